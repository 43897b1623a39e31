import Foundation
import TandemModel
import TandemSampling

/// How close a routed completion is to the target model's own greedy completion, and how likely the
/// target finds it.
public enum RouteQuality {
    /// Fraction of the reference's positions where `tokens` has the same token (position by position;
    /// a missing token counts as different). 1 for an empty reference.
    public static func tokenMatch(_ tokens: [Int], reference: [Int]) -> Double {
        guard !reference.isEmpty else { return 1 }
        let same = reference.indices.filter { $0 < tokens.count && tokens[$0] == reference[$0] }.count
        return Double(same) / Double(reference.count)
    }

    /// Length of the common prefix ÷ the reference's length (1 for an empty reference).
    public static func prefixMatch(_ tokens: [Int], reference: [Int]) -> Double {
        guard !reference.isEmpty else { return 1 }
        var n = 0
        while n < min(tokens.count, reference.count), tokens[n] == reference[n] { n += 1 }
        return Double(n) / Double(reference.count)
    }

    /// The target's view of a completion, teacher-forced in one pass over prompt + completion.
    public struct TeacherForced: Sendable {
        /// Summed negative log-likelihood (nats) of the completion's tokens.
        public var negativeLogLikelihood: Double
        /// Completion tokens equal to the target's argmax given the text before them.
        public var agreed: Int
    }

    /// Scores `completion` after `prompt` with `model` (only the completion's tokens count).
    public static func teacherForced(model: Model, prompt: [Int], completion: [Int]) throws -> TeacherForced {
        guard !completion.isEmpty, !prompt.isEmpty else { return TeacherForced(negativeLogLikelihood: 0, agreed: 0) }
        let session = model.makeSession()
        let rows = try session.append(prompt + completion.dropLast(), logits: .all).logits
        var total = 0.0
        var agreed = 0
        for (i, token) in completion.enumerated() {
            let row = rows[prompt.count - 1 + i]
            let top = Double(row.max() ?? 0)
            let sum = row.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) }
            total -= Double(row[token]) - top - Foundation.log(sum)
            if Sampler.argmax(row) == token { agreed += 1 }
        }
        return TeacherForced(negativeLogLikelihood: total, agreed: agreed)
    }
}
