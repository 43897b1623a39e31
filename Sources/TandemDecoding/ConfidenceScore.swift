import Foundation

/// How sure the draft is of its token at a position, as a number in [0, 1] (higher = more confident),
/// computed from the draft's distribution there. The routing policy sends a position to the cloud when
/// its confidence is below a threshold.
public enum ConfidenceScore: String, Sendable, CaseIterable, Codable {
    /// p₁, the probability of the most likely token.
    case topProbability = "top-prob"
    /// p₁ − p₂, the lead of the most likely token over the runner-up.
    case margin
    /// 1 − H / ln V: 1 for a one-hot distribution, 0 for a uniform one over the V tokens.
    case entropy

    /// The confidence of `probabilities` (a distribution over the vocabulary; it need not be normalised
    /// exactly, it is renormalised here). 0 for an empty or massless distribution.
    public func confidence(_ probabilities: [Float]) -> Double {
        var total = 0.0
        for p in probabilities where p > 0 && p.isFinite { total += Double(p) }
        guard total > 0 else { return 0 }
        switch self {
        case .topProbability:
            let top = probabilities.lazy.filter { $0.isFinite }.max() ?? 0
            return clamp(Double(max(top, 0)) / total)
        case .margin:
            var first = 0.0
            var second = 0.0
            for p in probabilities where p > 0 && p.isFinite {
                let v = Double(p)
                if v > first {
                    second = first
                    first = v
                } else if v > second {
                    second = v
                }
            }
            return clamp((first - second) / total)
        case .entropy:
            guard probabilities.count > 1 else { return 1 }
            var entropy = 0.0
            for p in probabilities where p > 0 && p.isFinite {
                let v = Double(p) / total
                entropy -= v * Foundation.log(v)
            }
            return clamp(1 - entropy / Foundation.log(Double(probabilities.count)))
        }
    }

    /// The softmax of `logits` (the model's own distribution at temperature 1): what a greedy session's
    /// confidence is measured on, since its sampling distribution is one-hot.
    public static func softmax(_ logits: [Float]) -> [Float] {
        guard let top = logits.lazy.filter({ $0.isFinite }).max() else { return logits.map { _ in 0 } }
        var out = logits.map { $0.isFinite ? Foundation.exp(Double($0 - top)) : 0 }
        let sum = out.reduce(0, +)
        if sum > 0 { for i in out.indices { out[i] /= sum } }
        return out.map { Float($0) }
    }

    private func clamp(_ value: Double) -> Double {
        value.isFinite ? min(1, max(0, value)) : 0
    }
}
