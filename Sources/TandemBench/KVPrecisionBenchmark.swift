import TandemKernels
import TandemModel

/// How far a KV cache precision moves a model's logits from the F32 cache's, on real prompts.
///
/// For each prompt: the F32 session generates `tokens` greedily (the reference continuation); both
/// precisions then evaluate prompt + continuation in one pass (teacher forcing, so every position
/// compares the same context), and the other precision also generates greedily on its own.
public enum KVPrecisionBenchmark {
    /// One prompt's comparison.
    public struct Row: Sendable, Codable, Equatable {
        public var prompt: Int
        public var promptTokens: Int
        /// Generated positions compared (rows of the continuation).
        public var positions: Int
        /// Positions where both caches' argmax agree (teacher-forced).
        public var argmaxAgreements: Int
        /// Tokens the other precision's own greedy run shares with F32's before the first difference.
        public var greedyCommonPrefix: Int
        /// Largest |Δlogit| over F32's top 10 tokens of each compared position.
        public var top10MaxAbsDelta: Double
        /// Largest |Δlogit| over the whole vocabulary.
        public var maxAbsDelta: Double

        enum CodingKeys: String, CodingKey {
            case prompt
            case promptTokens = "prompt_tokens"
            case positions
            case argmaxAgreements = "argmax_agreements"
            case greedyCommonPrefix = "greedy_common_prefix"
            case top10MaxAbsDelta = "top10_max_abs_delta"
            case maxAbsDelta = "max_abs_delta"
        }
    }

    /// Compares `precision` with F32 on each prompt over `tokens` greedy tokens.
    /// - Throws: `ModelError` from the engine (a prompt too long for the context, bad ids).
    public static func compare(model: Model, prompts: [[Int]], tokens: Int, precision: KVPrecision) throws -> [Row] {
        try prompts.enumerated().map { index, prompt in
            let reference = try greedy(model: model, prompt: prompt, tokens: tokens, precision: .f32)
            let other = try greedy(model: model, prompt: prompt, tokens: tokens, precision: precision)
            // The row at position i predicts token i + 1: rows prompt.count − 1 … predict the continuation.
            let sequence = prompt + reference.dropLast()
            let a = try model.makeSession(kvPrecision: .f32).append(sequence, logits: .all).logits
            let b = try model.makeSession(kvPrecision: precision).append(sequence, logits: .all).logits
            var agreements = 0
            var top10 = 0.0
            var largest = 0.0
            let first = prompt.count - 1
            for r in first..<sequence.count {
                if argmax(a[r]) == argmax(b[r]) { agreements += 1 }
                for id in topIndices(a[r], count: 10) { top10 = max(top10, Double(abs(a[r][id] - b[r][id]))) }
                for i in a[r].indices { largest = max(largest, Double(abs(a[r][i] - b[r][i]))) }
            }
            let common = zip(reference, other).prefix { $0 == $1 }.count
            return Row(
                prompt: index, promptTokens: prompt.count, positions: sequence.count - first,
                argmaxAgreements: agreements, greedyCommonPrefix: common, top10MaxAbsDelta: top10,
                maxAbsDelta: largest)
        }
    }

    /// `tokens` greedy tokens after `prompt`, one pass each.
    static func greedy(model: Model, prompt: [Int], tokens: Int, precision: KVPrecision) throws -> [Int] {
        let session = model.makeSession(kvPrecision: precision)
        var row = try session.append(prompt, logits: .last).logits[0]
        var out: [Int] = []
        for _ in 0..<tokens {
            let next = argmax(row)
            out.append(next)
            if out.count == tokens || session.count + 1 > model.config.contextLength { break }
            row = try session.append([next], logits: .last).logits[0]
        }
        return out
    }

    static func argmax(_ row: [Float]) -> Int {
        var best = 0
        for i in row.indices where row[i] > row[best] { best = i }
        return best
    }

    /// The ids of the `count` largest values, largest first (ties: lower id first); one pass.
    static func topIndices(_ row: [Float], count: Int) -> [Int] {
        var top: [Int] = []
        top.reserveCapacity(count + 1)
        for i in row.indices {
            guard top.count < count || row[i] > row[top[top.count - 1]] else { continue }
            var at = top.count
            while at > 0 && row[i] > row[top[at - 1]] { at -= 1 }
            top.insert(i, at: at)
            if top.count > count { top.removeLast() }
        }
        return top
    }
}
