/// Dynamic draft length (as in SpecDec++ / AdaEDL): a wide upper bound on the window plus a stopping
/// rule, so the drafter drafts long runs where it is sure of itself and stops early where it is not —
/// which no fixed window can do.
///
/// The rule (`DraftStopRule`): after each draft, R = the estimated probability that every draft so far
/// is accepted. Drafting one more costs a draft step and a verified position (t_draft + b) and yields a
/// token with probability about R · α, worth the round's expected seconds ÷ expected tokens (V, at the
/// cost model's best window). So the drafter stops once R < θ = (t_draft + b) ÷ (α · V): a long round
/// trip makes tokens dear and θ small; a slow draft makes it large. R multiplies per-draft acceptance
/// estimates looked up from the draft's own probability through a calibration the policy learns from
/// the rounds (the draft's probability is not its acceptance rate; on the bundled pair it is far below).
public struct ConfidenceStoppingWindow: WindowPolicy {
    /// The cost model: its estimates price the rule; its `maxWindow` is the bound on every round.
    public private(set) var costModel: CostModelWindow
    /// The bounds on θ.
    public let thresholdRange: ClosedRange<Double>
    /// The rule for the coming round.
    public private(set) var stopRule: DraftStopRule?
    /// Number of equal-width probability bins the calibration learns.
    public static let calibrationBins = 20
    // Per probability bin: kept and judged drafts, exponentially weighted over rounds.
    private var binKept: [Double]
    private var binJudged: [Double]
    /// Weight of the newest round in the calibration (the rest decays by 1 − this per round).
    private static let calibrationSmoothing = 0.02
    /// Pseudo-trials each bin borrows from the overall acceptance.
    private static let calibrationPriorWeight = 2.0

    /// - Parameters:
    ///   - costModel: the cost model; its `maxWindow` (e.g. the verifier's 16) bounds every round.
    ///   - thresholdRange: the bounds on θ.
    public init(
        costModel: CostModelWindow = CostModelWindow(minWindow: 1, maxWindow: 16),
        thresholdRange: ClosedRange<Double> = 0.02...0.95
    ) {
        self.costModel = costModel
        let low = thresholdRange.lowerBound.isFinite ? min(max(thresholdRange.lowerBound, 0), 1) : 0
        let high = thresholdRange.upperBound.isFinite ? min(max(thresholdRange.upperBound, low), 1) : 1
        self.thresholdRange = low...high
        binKept = Array(repeating: 0, count: Self.calibrationBins)
        binJudged = Array(repeating: 0, count: Self.calibrationBins)
        stopRule = nil
        stopRule = currentRule()
    }

    public var initialWindow: Int { costModel.maxWindow }

    public mutating func nextWindow(after round: RoundStats) -> Int {
        _ = costModel.nextWindow(after: round)
        learnCalibration(from: round)
        stopRule = currentRule()
        return costModel.maxWindow
    }

    /// The estimated acceptance per probability bin: each bin's kept ÷ judged, shrunk toward the
    /// overall acceptance.
    public var calibration: [Double] {
        let alpha = costModel.estimates.acceptance
        let w = Self.calibrationPriorWeight
        return zip(binKept, binJudged).map { kept, judged in min(max((kept + w * alpha) / (judged + w), 0), 1) }
    }

    /// Drafts the verifier judged (the kept ones and the first rejected) go into their probability's bin.
    private mutating func learnCalibration(from round: RoundStats) {
        let p = round.draftProbabilities
        guard !p.isEmpty, round.proposed > 0 else { return }
        let keep = 1 - Self.calibrationSmoothing
        for i in binKept.indices {
            binKept[i] *= keep
            binJudged[i] *= keep
        }
        let accepted = min(max(round.accepted, 0), round.proposed)
        let judged = min(accepted + 1, round.proposed, p.count)
        for i in 0..<judged {
            let clamped = p[i].isFinite ? min(max(p[i], 0), 1) : 0
            let bin = min(Int(clamped * Double(Self.calibrationBins)), Self.calibrationBins - 1)
            binJudged[bin] += 1
            if i < accepted { binKept[bin] += 1 }
        }
    }

    private func currentRule() -> DraftStopRule {
        let e = costModel.estimates
        let best = CostModelWindow.bestWindow(for: e, in: costModel.minWindow...costModel.maxWindow)
        return DraftStopRule(
            threshold: Self.threshold(for: e, window: best, in: thresholdRange), calibration: calibration)
    }

    /// θ = (t_draft + b) ÷ (α · seconds per token of a `window`-draft round), clamped to `range`.
    public static func threshold(
        for estimates: CostModelWindow.Estimates, window: Int,
        in range: ClosedRange<Double>
    ) -> Double {
        let tokens = CostModelWindow.expectedTokens(window: window, estimates: estimates)
        let seconds = CostModelWindow.expectedSeconds(window: window, estimates: estimates)
        let marginal = estimates.draftSecondsPerToken + estimates.verifySecondsPerDraft
        let alpha = min(max(estimates.acceptance, 0), 1)
        guard tokens > 0, seconds > 0, marginal.isFinite, marginal >= 0 else { return range.lowerBound }
        guard alpha > 0 else { return range.upperBound }
        let theta = marginal / (alpha * seconds / tokens)
        return theta.isFinite ? min(max(theta, range.lowerBound), range.upperBound) : range.upperBound
    }
}
