import Synchronization
import TandemDecoding
import TandemModel
import TandemSampling

/// What a `ProbingSession` saw, shared with the benchmark that reads it after the generation.
final class ExitProbeRecorder: Sendable {
    /// Hidden-state rows for fitting an exit head: layer-L state, final-layer state, final argmax.
    struct HiddenRow: Sendable {
        var early: [Float]
        var final: [Float]
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

    var tally: ExitLayerTally { state.withLock { $0.tally } }
    var hidden: [HiddenRow] { state.withLock { $0.hidden } }
}

/// A target session for the in-process verifier that reads every early exit of `layers` in each
/// verification pass (one pass: `ModelSession.append(_:logits:probe:)`) and tallies their provisional
/// verdicts against the final one. With `hiddenLayer`, it also keeps that layer's and the last
/// layer's hidden states of every row, for `tools/train/fit_exit_head.py`.
final class ProbingSession: LanguageModelSession {
    let session: ModelSession
    let layers: [Int]
    let hiddenLayer: Int?
    let recorder: ExitProbeRecorder

    init(_ session: ModelSession, layers: [Int], hiddenLayer: Int?, recorder: ExitProbeRecorder) {
        self.session = session
        self.layers = layers
        self.hiddenLayer = hiddenLayer
        self.recorder = recorder
    }

    var vocabularySize: Int { session.model.config.vocabularySize }
    var contextLength: Int { session.model.config.contextLength }
    var count: Int { session.count }

    func prefill(_ tokens: [Int]) throws {
        try session.append(tokens, logits: .none)
    }

    func truncate(to count: Int) throws {
        try session.truncate(to: count)
    }

    /// Evaluates `[pending, d1 … dk]` and tallies the window (every multi-row pass the verifier makes
    /// is a verification window; its first token is the pending one).
    func evaluate(_ tokens: [Int]) throws -> [[Float]] {
        let last = session.model.config.layerCount
        let hiddenLayers: Set<Int> = hiddenLayer.map { [$0, last] } ?? []
        let out = try session.append(
            tokens, logits: .all, probe: LayerProbe(exitLayers: Set(layers), hiddenLayers: hiddenLayers))
        let final = out.logits.map(Sampler.argmax)
        let exits = (out.layerExits?.logits ?? [:]).mapValues { $0.map(Sampler.argmax) }
        var hidden: [ExitProbeRecorder.HiddenRow] = []
        if let hiddenLayer, let early = out.layerExits?.hidden[hiddenLayer], let late = out.layerExits?.hidden[last] {
            hidden = zip(zip(early, late), final).map {
                ExitProbeRecorder.HiddenRow(early: $0.0, final: $0.1, token: $1)
            }
        }
        recorder.add(drafts: Array(tokens.dropFirst()), final: final, exits: exits, hidden: hidden)
        return out.logits
    }
}
