import Synchronization
@testable import TandemDecoding

/// A deterministic toy causal LM: the next-token logits are a function of the context.
struct ToyModel: Sendable {
    let vocabularySize: Int
    let contextLength: Int
    let logits: @Sendable ([Int]) -> [Float]
    /// An early-exit head (rows handed out mid-pass by `evaluate(_:onEarlyExit:)`); nil: none.
    var early: (@Sendable ([Int]) -> [Float])? = nil

    /// This model with `early` as its early-exit head.
    func withEarlyExit(_ early: ToyModel) -> ToyModel {
        var copy = self
        copy.early = early.logits
        return copy
    }

    func makeSession(recorder: SessionRecorder = SessionRecorder()) -> ToySession {
        ToySession(model: self, recorder: recorder)
    }

    /// Logits from a hash of the last two tokens and the position (mod 3), values in [0, scale): the
    /// position makes a cache that drifted out of step with the sequence visible in the output.
    static func hashed(vocabularySize: Int, contextLength: Int = 512, seed: UInt64, scale: Float) -> ToyModel {
        ToyModel(vocabularySize: vocabularySize, contextLength: contextLength) { context in
            let a = context.count >= 2 ? context[context.count - 2] : -1
            let b = context.last ?? -1
            return (0..<vocabularySize).map { v in hashUnit(seed, a, b, context.count % 3, v) * scale }
        }
    }

    /// A copy of `base` whose argmax is moved to another token in the contexts where
    /// `hashUnit(seed, a, b) < disagreement`: a draft that disagrees with the target at a controlled rate.
    static func perturbed(_ base: ToyModel, disagreement: Float, seed: UInt64 = 99) -> ToyModel {
        ToyModel(vocabularySize: base.vocabularySize, contextLength: base.contextLength) { context in
            var row = base.logits(context)
            let a = context.count >= 2 ? context[context.count - 2] : -1
            let b = context.last ?? -1
            if hashUnit(seed, a, b, 0) < disagreement {
                let top = argmax(row)
                row[(top + 1) % row.count] = row[top] + 1
            }
            return row
        }
    }

    /// The model's own greedy continuation (the reference for greedy verification).
    func greedy(prompt: [Int], count: Int, stopTokens: Set<Int> = []) -> [Int] {
        var context = prompt
        var out: [Int] = []
        while out.count < count, context.count < contextLength {
            let token = argmax(logits(context))
            out.append(token)
            context.append(token)
            if stopTokens.contains(token) { break }
        }
        return out
    }
}

/// A uniform-ish value in [0, 1) from a splitmix-style hash of the arguments.
func hashUnit(_ seed: UInt64, _ values: Int...) -> Float {
    var h = seed &+ 0x9E37_79B9_7F4A_7C15
    for v in values {
        h ^= UInt64(bitPattern: Int64(v)) &+ 0x632B_E59B_D9B4_E019
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31
    }
    return Float(h >> 40) / Float(1 << 24)
}

/// What a toy session saw, readable from the test after the session was handed to a verifier.
final class SessionRecorder: Sendable {
    struct Log: Sendable {
        /// Sizes of the evaluate calls (forward passes asking for logits), in order.
        var passes: [Int] = []
        /// Sizes of prefill calls.
        var prefills: [Int] = []
        /// The cache length after each operation.
        var counts: [Int] = []
        /// Sizes of the early-exit row sets handed out, in order.
        var earlyExits: [Int] = []
        var maxCount = 0
    }

    private let log = Mutex(Log())

    var snapshot: Log { log.withLock { $0 } }

    func record(earlyExit rows: Int) {
        log.withLock { $0.earlyExits.append(rows) }
    }

    func record(pass: Int? = nil, prefill: Int? = nil, count: Int) {
        log.withLock {
            if let pass { $0.passes.append(pass) }
            if let prefill { $0.prefills.append(prefill) }
            $0.counts.append(count)
            $0.maxCount = max($0.maxCount, count)
        }
    }
}

/// A `LanguageModelSession` over a toy model that checks its inputs like the engine does.
final class ToySession: LanguageModelSession {
    let model: ToyModel
    let recorder: SessionRecorder
    private(set) var tokens: [Int] = []

    init(model: ToyModel, recorder: SessionRecorder) {
        self.model = model
        self.recorder = recorder
    }

    var vocabularySize: Int { model.vocabularySize }
    var contextLength: Int { model.contextLength }
    var count: Int { tokens.count }

    struct Failure: Error {}

    func evaluate(_ newTokens: [Int]) throws -> [[Float]] {
        try check(newTokens)
        var rows: [[Float]] = []
        for token in newTokens {
            tokens.append(token)
            rows.append(model.logits(tokens))
        }
        recorder.record(pass: newTokens.count, count: tokens.count)
        return rows
    }

    func prefill(_ newTokens: [Int]) throws {
        try check(newTokens)
        tokens += newTokens
        recorder.record(prefill: newTokens.count, count: tokens.count)
    }

    /// Like the engine: the early rows go out before the final rows are computed.
    func evaluate(_ newTokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]] {
        guard let early = model.early else { return try evaluate(newTokens) }
        try check(newTokens)
        onEarlyExit(newTokens.indices.map { early(tokens + newTokens[...$0]) })
        recorder.record(earlyExit: newTokens.count)
        return try evaluate(newTokens)
    }

    func truncate(to newCount: Int) throws {
        guard newCount >= 0, newCount <= tokens.count else { throw Failure() }
        tokens.removeLast(tokens.count - newCount)
        recorder.record(count: tokens.count)
    }

    private func check(_ newTokens: [Int]) throws {
        guard newTokens.allSatisfy({ $0 >= 0 && $0 < model.vocabularySize }),
              tokens.count + newTokens.count <= model.contextLength else { throw Failure() }
    }
}

/// An assisted generator over toy target and draft models, in-process.
func makeAssisted(target: ToyModel, draft: ToyModel, policy: any WindowPolicy, maxWindow: Int = 16,
                  proposalTopK: Int = 8, targetRecorder: SessionRecorder = SessionRecorder(),
                  draftRecorder: SessionRecorder = SessionRecorder(), preemptive: Bool = false) -> AssistedGenerator {
    AssistedGenerator(
        drafter: ModelDrafter(session: draft.makeSession(recorder: draftRecorder), proposalTopK: proposalTopK),
        verifier: InProcessVerifier(session: target.makeSession(recorder: targetRecorder), maxWindow: maxWindow),
        policy: policy, preemptive: preemptive)
}
