import Synchronization
import TandemDecoding
import TandemModel
import TandemSampling

/// What a `ProbingSession` saw, shared with the benchmark that reads it after the generation.
final class ExitProbeRecorder: Sendable {
    /// Hidden-state rows for fitting an exit head: the states at the requested layers (by layer, the
    /// last layer's included), and the final argmax.
    struct HiddenRow: Sendable {
        var states: [Int: [Float]]
        var token: Int
    }

    private struct State: Sendable {
        var tally: ExitLayerTally
        var hidden: [HiddenRow] = []
    }

    private let state: Mutex<State>

    init(layers: [Int]) {
        state = Mutex(State(tally: ExitLayerTally(layers: layers)))
    }

    func add(drafts: [Int], final: [Int], exits: [Int: [Int]], hidden: [HiddenRow]) {
        state.withLock {
            $0.tally.add(drafts: drafts, final: final, exits: exits)
            $0.hidden += hidden
        }
    }

    /// Adds hidden-state rows that are not a verification window (the prompt's).
    func add(hidden: [HiddenRow]) {
        state.withLock { $0.hidden += hidden }
    }

    var tally: ExitLayerTally { state.withLock { $0.tally } }
    var hidden: [HiddenRow] { state.withLock { $0.hidden } }
}

/// A target session for the in-process verifier that reads every early exit of `layers` in each
/// verification pass (one pass: `ModelSession.append(_:logits:probe:)`) and tallies their provisional
/// verdicts against the final one. With `hiddenLayers`, it also keeps those layers' and the last
/// layer's hidden states of every row — the prompt's too — for `tools/train/fit_exit_head.py`.
final class ProbingSession: LanguageModelSession {
    let session: ModelSession
    let layers: [Int]
    let hiddenLayers: Set<Int>
    let recorder: ExitProbeRecorder

    init(_ session: ModelSession, layers: [Int], hiddenLayers: [Int], recorder: ExitProbeRecorder) {
        self.session = session
        self.layers = layers
        self.hiddenLayers = hiddenLayers.isEmpty ? [] : Set(hiddenLayers + [session.model.config.layerCount])
        self.recorder = recorder
    }

    var vocabularySize: Int { session.model.config.vocabularySize }
    var contextLength: Int { session.model.config.contextLength }
    var count: Int { session.count }

    func prefill(_ tokens: [Int]) throws {
        guard !hiddenLayers.isEmpty, !tokens.isEmpty else {
            try session.append(tokens, logits: .none)
            return
        }
        let out = try session.append(tokens, logits: .all, probe: LayerProbe(hiddenLayers: hiddenLayers))
        recorder.add(hidden: rows(out))
    }

    /// The hidden-state rows of a probed pass.
    private func rows(_ out: ForwardOutput) -> [ExitProbeRecorder.HiddenRow] {
        guard let hidden = out.layerExits?.hidden, !hiddenLayers.isEmpty else { return [] }
        return out.logits.enumerated().map { r, row in
            ExitProbeRecorder.HiddenRow(states: hidden.mapValues { $0[r] }, token: Sampler.argmax(row))
        }
    }

    func truncate(to count: Int) throws {
        try session.truncate(to: count)
    }

    /// Evaluates `[pending, d1 … dk]` and tallies the window (every multi-row pass the verifier makes
    /// is a verification window; its first token is the pending one).
    func evaluate(_ tokens: [Int]) throws -> [[Float]] {
        let out = try session.append(
            tokens, logits: .all, probe: LayerProbe(exitLayers: Set(layers), hiddenLayers: hiddenLayers))
        let final = out.logits.map(Sampler.argmax)
        let exits = (out.layerExits?.logits ?? [:]).mapValues { $0.map(Sampler.argmax) }
        recorder.add(drafts: Array(tokens.dropFirst()), final: final, exits: exits, hidden: rows(out))
        return out.logits
    }
}
