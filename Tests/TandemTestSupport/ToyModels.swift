import Synchronization
import TandemDecoding

// Toy models shared by the decoding and server tests: deterministic, no model file needed.

/// A deterministic toy causal LM: the next-token logits are a function of the context.
public struct ToyModel: Sendable {
    public let vocabularySize: Int
    public let contextLength: Int
    public let logits: @Sendable ([Int]) -> [Float]
    /// An early-exit head (rows handed out mid-pass by `evaluate(_:onEarlyExit:)`); nil: none.
    public var early: (@Sendable ([Int]) -> [Float])? = nil

    public init(vocabularySize: Int, contextLength: Int, logits: @escaping @Sendable ([Int]) -> [Float]) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.logits = logits
    }

    /// This model with `early` as its early-exit head.
    public func withEarlyExit(_ early: ToyModel) -> ToyModel {
        var copy = self
        copy.early = early.logits
        return copy
    }

    public func makeSession(recorder: SessionRecorder = SessionRecorder()) -> ToySession {
        ToySession(model: self, recorder: recorder)
    }

    /// Logits from a hash of the last two tokens and the position (mod 3), values in [0, scale): the
    /// position makes a cache that drifted out of step with the sequence visible in the output.
    public static func hashed(vocabularySize: Int, contextLength: Int = 512, seed: UInt64, scale: Float) -> ToyModel {
        ToyModel(vocabularySize: vocabularySize, contextLength: contextLength) { context in
            let a = context.count >= 2 ? context[context.count - 2] : -1
            let b = context.last ?? -1
            return (0..<vocabularySize).map { v in hashUnit(seed, a, b, context.count % 3, v) * scale }
        }
    }

    /// A copy of `base` whose argmax is moved to another token in the contexts where
    /// `hashUnit(seed, a, b) < disagreement`: a draft that disagrees with the target at a controlled rate.
    public static func perturbed(_ base: ToyModel, disagreement: Float, seed: UInt64 = 99) -> ToyModel {
        ToyModel(vocabularySize: base.vocabularySize, contextLength: base.contextLength) { context in
            var row = base.logits(context)
            let a = context.count >= 2 ? context[context.count - 2] : -1
            let b = context.last ?? -1
            if hashUnit(seed, a, b, 0) < disagreement {
                let top = toyArgmax(row)
                row[(top + 1) % row.count] = row[top] + 1
            }
            return row
        }
    }

    /// The model's own greedy continuation (the reference for greedy verification).
    public func greedy(prompt: [Int], count: Int, stopTokens: Set<Int> = []) -> [Int] {
        var context = prompt
        var out: [Int] = []
        while out.count < count, context.count < contextLength {
            let token = toyArgmax(logits(context))
            out.append(token)
            context.append(token)
            if stopTokens.contains(token) { break }
        }
        return out
    }
}

/// A uniform-ish value in [0, 1) from a splitmix-style hash of the arguments.
public func hashUnit(_ seed: UInt64, _ values: Int...) -> Float {
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
public final class SessionRecorder: Sendable {
    public struct Log: Sendable {
        /// Sizes of the evaluate calls (forward passes asking for logits), in order.
        public var passes: [Int] = []
        /// Sizes of prefill calls.
        public var prefills: [Int] = []
        /// The cache length after each operation.
        public var counts: [Int] = []
        /// Sizes of the early-exit row sets handed out, in order.
        public var earlyExits: [Int] = []
        public var maxCount = 0
    }

    public init() {}

    private let log = Mutex(Log())

    public var snapshot: Log { log.withLock { $0 } }

    public func record(earlyExit rows: Int) {
        log.withLock { $0.earlyExits.append(rows) }
    }

    public func record(pass: Int? = nil, prefill: Int? = nil, count: Int) {
        log.withLock {
            if let pass { $0.passes.append(pass) }
            if let prefill { $0.prefills.append(prefill) }
            $0.counts.append(count)
            $0.maxCount = max($0.maxCount, count)
        }
    }
}

/// A `LanguageModelSession` over a toy model that checks its inputs like the engine does.
public final class ToySession: LanguageModelSession {
    public let model: ToyModel
    public let recorder: SessionRecorder
    public private(set) var tokens: [Int] = []

    public init(model: ToyModel, recorder: SessionRecorder = SessionRecorder()) {
        self.model = model
        self.recorder = recorder
    }

    public var vocabularySize: Int { model.vocabularySize }
    public var contextLength: Int { model.contextLength }
    public var count: Int { tokens.count }

    public struct Failure: Error {}

    public func evaluate(_ newTokens: [Int]) throws -> [[Float]] {
        try check(newTokens)
        var rows: [[Float]] = []
        for token in newTokens {
            tokens.append(token)
            rows.append(model.logits(tokens))
        }
        recorder.record(pass: newTokens.count, count: tokens.count)
        return rows
    }

    public func prefill(_ newTokens: [Int]) throws {
        try check(newTokens)
        tokens += newTokens
        recorder.record(prefill: newTokens.count, count: tokens.count)
    }

    /// Like the engine: the early rows go out before the final rows are computed.
    public func evaluate(_ newTokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]] {
        guard let early = model.early else { return try evaluate(newTokens) }
        try check(newTokens)
        onEarlyExit(newTokens.indices.map { early(tokens + newTokens[...$0]) })
        recorder.record(earlyExit: newTokens.count)
        return try evaluate(newTokens)
    }

    public func truncate(to newCount: Int) throws {
        guard newCount >= 0, newCount <= tokens.count else { throw Failure() }
        tokens.removeLast(tokens.count - newCount)
        recorder.record(count: tokens.count)
    }

    private func check(_ newTokens: [Int]) throws {
        guard newTokens.allSatisfy({ $0 >= 0 && $0 < model.vocabularySize }),
            tokens.count + newTokens.count <= model.contextLength
        else { throw Failure() }
    }
}

/// The index of the largest value, ties to the lowest (the engine's greedy rule).
func toyArgmax(_ row: [Float]) -> Int {
    var best = 0
    for i in row.indices where row[i] > row[best] { best = i }
    return best
}
