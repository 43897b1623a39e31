/// When the draft hands a position to the cloud: its confidence there (`score`) is below `threshold`,
/// and routing it keeps the share of routed positions within `budget`.
///
/// `threshold` 0 never routes (no confidence is below 0); `threshold` ≥ 1 routes *every* position,
/// including one with a confidence of exactly 1 — so "route all" really means all.
public struct RoutingPolicy: Sendable, Equatable, Codable {
    public var score: ConfidenceScore
    /// Positions with a confidence below this are routed (≥ 1: all positions).
    public var threshold: Double
    /// Most routed positions ÷ generated tokens, in [0, 1] (1: no cap).
    public var budget: Double

    public init(score: ConfidenceScore = .topProbability, threshold: Double, budget: Double = 1) {
        self.score = score
        self.threshold = threshold
        self.budget = budget
    }

    /// Throws `GenerationError.invalidLimit` for a threshold or budget outside [0, 1] or not finite.
    public func validate() throws {
        guard threshold.isFinite, threshold >= 0, threshold <= 1 else {
            throw GenerationError.invalidLimit(name: "routing threshold", reason: "must be in [0, 1], got \(threshold)")
        }
        guard budget.isFinite, budget >= 0, budget <= 1 else {
            throw GenerationError.invalidLimit(name: "routing budget", reason: "must be in [0, 1], got \(budget)")
        }
    }

    /// True when a position with this confidence is uncertain enough to route.
    public func isUncertain(_ confidence: Double) -> Bool {
        threshold >= 1 || confidence < threshold
    }

    /// True when routing one more position keeps routed ÷ generated within the budget, for a position
    /// preceded by `generated` tokens of which `routed` were routed (the position itself counts as
    /// generated). A budget of 0.1 thus allows the first routed position at the 10th token.
    public func budgetAllows(routed: Int, generated: Int) -> Bool {
        budget >= 1 || Double(routed + 1) <= budget * Double(generated + 1) + 1e-9
    }

    /// Whether to route a position: uncertain and within the budget.
    public func shouldRoute(confidence: Double, routed: Int, generated: Int) -> Bool {
        isUncertain(confidence) && budgetAllows(routed: routed, generated: generated)
    }
}
