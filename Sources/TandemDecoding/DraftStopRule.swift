/// When the drafter ends a window early: after the draft at which the estimated probability that every
/// draft so far is accepted falls below `threshold`. Each draft's acceptance is estimated from its own
/// probability under the draft's distribution (greedy: the softmax of its logits at the argmax) through
/// `calibration`, because a draft model's confidence is rarely its acceptance rate: on the bundled pair
/// drafts of probability 0.1–0.15 are accepted 46% of the time and drafts above 0.4 always.
public struct DraftStopRule: Sendable, Equatable {
    /// The estimated probability that the window so far is accepted, below which drafting stops.
    public var threshold: Double
    /// Estimated acceptance for draft probabilities in equal-width bins over [0, 1]; empty: the
    /// probability itself.
    public var calibration: [Double]

    public init(threshold: Double, calibration: [Double] = []) {
        self.threshold = threshold
        self.calibration = calibration
    }

    /// The estimated acceptance of a draft of probability `p`.
    public func acceptance(ofProbability p: Double) -> Double {
        let clamped = p.isFinite ? min(max(p, 0), 1) : 0
        guard !calibration.isEmpty else { return clamped }
        let bin = min(Int(clamped * Double(calibration.count)), calibration.count - 1)
        return min(max(calibration[bin], 0), 1)
    }
}
