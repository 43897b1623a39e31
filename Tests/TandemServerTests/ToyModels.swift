import TandemDecoding

/// A deterministic toy causal LM (next-token logits a function of the context), for wire tests that
/// need no model file.
struct ToyModel: Sendable {
    let vocabularySize: Int
    let contextLength: Int
    let logits: @Sendable ([Int]) -> [Float]
    /// An early-exit head, handed out mid-pass; nil: none.
    var early: (@Sendable ([Int]) -> [Float])? = nil

    /// This model with `early`'s logits as its early-exit head.
    func withEarlyExit(_ early: ToyModel) -> ToyModel {
        var copy = self
        copy.early = early.logits
        return copy
    }

    /// Logits from a hash of the last two tokens and the position (mod 3).
    static func hashed(vocabularySize: Int = 64, contextLength: Int = 256, seed: UInt64) -> ToyModel {
        ToyModel(vocabularySize: vocabularySize, contextLength: contextLength) { context in
            let a = context.count >= 2 ? context[context.count - 2] : -1
            let b = context.last ?? -1
            return (0..<vocabularySize).map { v in hashUnit(seed, a, b, context.count % 3, v) * 8 }
        }
    }

    /// `base` with its argmax moved where `hashUnit(seed, a, b) < disagreement`.
    static func perturbed(_ base: ToyModel, disagreement: Float, seed: UInt64 = 99) -> ToyModel {
        ToyModel(vocabularySize: base.vocabularySize, contextLength: base.contextLength) { context in
            var row = base.logits(context)
            let a = context.count >= 2 ? context[context.count - 2] : -1
            let b = context.last ?? -1
            if hashUnit(seed, a, b, 0) < disagreement, let top = row.indices.max(by: { row[$0] < row[$1] }) {
                row[(top + 1) % row.count] = row[top] + 1
            }
            return row
        }
    }

    func makeSession() -> ToySession { ToySession(model: self) }

    /// The model's own greedy continuation.
    func greedy(prompt: [Int], count: Int) -> [Int] {
        var context = prompt
        var out: [Int] = []
        while out.count < count, context.count < contextLength {
            let row = logits(context)
            var best = 0
            for i in row.indices where row[i] > row[best] { best = i }
            out.append(best)
            context.append(best)
        }
        return out
    }
}

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

/// A toy session that checks its inputs like the engine does.
final class ToySession: LanguageModelSession {
    let model: ToyModel
    private(set) var tokens: [Int] = []

    init(model: ToyModel) {
        self.model = model
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
        return rows
    }

    func prefill(_ newTokens: [Int]) throws {
        try check(newTokens)
        tokens += newTokens
    }

    func evaluate(_ newTokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]] {
        guard let early = model.early else { return try evaluate(newTokens) }
        try check(newTokens)
        onEarlyExit(newTokens.indices.map { early(tokens + newTokens[...$0]) })
        return try evaluate(newTokens)
    }

    func truncate(to newCount: Int) throws {
        guard newCount >= 0, newCount <= tokens.count else { throw Failure() }
        tokens.removeLast(tokens.count - newCount)
    }

    private func check(_ newTokens: [Int]) throws {
        guard newTokens.allSatisfy({ $0 >= 0 && $0 < model.vocabularySize }),
              tokens.count + newTokens.count <= model.contextLength else { throw Failure() }
    }
}
