import Foundation

/// Picks the window that maximises expected tokens per second under a simple cost model, from running
/// estimates that each round updates.
///
/// With per-draft acceptance α (drafts accepted independently), a window of k yields on average
/// (1 − α^(k+1)) / (1 − α) tokens (the kept drafts plus the verifier's token) and costs
/// k·t_draft + rtt + verify(k) seconds, where verify(k) = a + b·k. Acceptance, round trip and draft
/// time per token are exponentially weighted moving averages; a and b are a weighted least-squares
/// fit over recent rounds once they span two window sizes. Until then the slope is not identified, and
/// the prior's shape b/a is scaled to the observed mean pass time (the prior's absolute times may be
/// far off this machine's: mixing them into the fit as data once invented slopes of 10 ms per draft
/// from 0.3 ms passes, which pinned the window at 1).
///
/// Drafts are not accepted independently in practice: a draft that agreed with the target so far is
/// more likely to keep agreeing (measured on the bundled pair: 0.64 at position 1, then 0.59, 0.75,
/// 0.80 given the earlier ones were kept). So the policy also learns the acceptance at each window
/// position given the earlier ones were kept, shrunk toward the position before it (toward α for the
/// first), and expects 1 + Σⱼ Πᵢ≤ⱼ αᵢ tokens from a window; positions never reached take the deepest
/// estimate. With a single α the two agree.
public struct CostModelWindow: WindowPolicy {
    /// The quantities the cost model needs.
    public struct Estimates: Sendable, Equatable {
        /// Probability that a draft is accepted, given the ones before it were.
        public var acceptance: Double
        /// Seconds of a round not spent drafting or verifying (network and queueing).
        public var roundTripSeconds: Double
        /// Seconds to draft one token.
        public var draftSecondsPerToken: Double
        /// a in verify(k) = a + b·k.
        public var verifyBaseSeconds: Double
        /// b in verify(k) = a + b·k.
        public var verifySecondsPerDraft: Double
        /// Acceptance at window position i given the drafts before it were kept; empty: every
        /// position at `acceptance`. Positions past the end take the last value.
        public var positionAcceptance: [Double]

        public init(
            acceptance: Double, roundTripSeconds: Double, draftSecondsPerToken: Double,
            verifyBaseSeconds: Double, verifySecondsPerDraft: Double, positionAcceptance: [Double] = []
        ) {
            self.acceptance = acceptance
            self.roundTripSeconds = roundTripSeconds
            self.draftSecondsPerToken = draftSecondsPerToken
            self.verifyBaseSeconds = verifyBaseSeconds
            self.verifySecondsPerDraft = verifySecondsPerDraft
            self.positionAcceptance = positionAcceptance
        }

        /// A neutral prior: moderate acceptance, a LAN-like round trip, a draft ten times faster than
        /// one target pass.
        public static let prior = Estimates(
            acceptance: 0.6, roundTripSeconds: 0.02, draftSecondsPerToken: 0.004,
            verifyBaseSeconds: 0.04, verifySecondsPerDraft: 0.004)
    }

    public let minWindow: Int
    public let maxWindow: Int
    /// Weight of the newest round in the running estimates (0 < smoothing ≤ 1).
    public let smoothing: Double
    /// Weight of the newest observation in each window position's acceptance (default smoothing ÷ 4):
    /// a position gets one Bernoulli observation per round, so its estimate needs a longer memory than
    /// the timings to be steady, and acceptance is a property of the model pair that drifts slowly.
    public let positionSmoothing: Double
    /// The current estimates.
    public private(set) var estimates: Estimates

    // Running sums: acceptance as successes / trials, verify(k) as weighted least squares.
    private var acceptedSum: Double
    private var trialSum: Double
    private var fit: (w: Double, k: Double, kk: Double, v: Double, kv: Double)
    /// The prior's b ÷ a: a draft position's cost relative to a pass, used while the slope is unidentified.
    private let priorSlopeRatio: Double
    /// Per window position: kept drafts and judged drafts (reached, i.e. every earlier one kept), each
    /// an exponentially weighted sum over the rounds that reached the position.
    private var positionKept: [Double] = []
    private var positionJudged: [Double] = []
    /// Pseudo-trials each position's estimate borrows from the one before it.
    private static let positionPriorWeight = 2.0

    public init(
        initial: Estimates = .prior, minWindow: Int = 1, maxWindow: Int = 8, smoothing: Double = 0.2,
        positionSmoothing: Double? = nil
    ) {
        self.minWindow = max(0, minWindow)
        self.maxWindow = max(self.minWindow, maxWindow)
        self.smoothing = smoothing.isFinite ? min(max(smoothing, 0.01), 1) : 0.2
        let position = positionSmoothing ?? self.smoothing / 4
        self.positionSmoothing = position.isFinite ? min(max(position, 0.005), 1) : self.smoothing / 4
        estimates = initial
        // The prior counts as a couple of trials, so the first rounds move it but do not erase it.
        trialSum = 2
        acceptedSum = 2 * min(max(initial.acceptance, 0), 1)
        // The verify line starts as the prior and is fitted on observed rounds only.
        fit = (w: 0, k: 0, kk: 0, v: 0, kv: 0)
        let a = initial.verifyBaseSeconds
        let b = initial.verifySecondsPerDraft
        priorSlopeRatio = a > 0 && b >= 0 && (b / a).isFinite ? b / a : 0.1
    }

    public var initialWindow: Int { Self.bestWindow(for: estimates, in: minWindow...maxWindow) }

    public mutating func nextWindow(after round: RoundStats) -> Int {
        update(with: round)
        return Self.bestWindow(for: estimates, in: minWindow...maxWindow)
    }

    /// Folds one round into the running estimates.
    public mutating func update(with round: RoundStats) {
        let s = smoothing
        let keep = 1 - smoothing
        if round.proposed > 0 {
            let accepted = min(max(round.accepted, 0), round.proposed)
            // Each kept draft is a success; a rejection (if any) is the one failed trial.
            let trials = accepted + (accepted < round.proposed ? 1 : 0)
            acceptedSum = keep * acceptedSum + Double(accepted)
            trialSum = keep * trialSum + Double(trials)
            let perToken = round.draftSeconds / Double(round.proposed)
            if perToken.isFinite, perToken >= 0 {
                estimates.draftSecondsPerToken = keep * estimates.draftSecondsPerToken + s * perToken
            }
        }
        if trialSum > 0 { estimates.acceptance = min(max(acceptedSum / trialSum, 0), 1) }
        if round.proposed > 0 {
            let accepted = min(max(round.accepted, 0), round.proposed)
            let judged = min(accepted + 1, round.proposed)
            if positionJudged.count < judged {
                positionKept += Array(repeating: 0, count: judged - positionKept.count)
                positionJudged += Array(repeating: 0, count: judged - positionJudged.count)
            }
            let keepPosition = 1 - positionSmoothing
            for i in 0..<judged {
                positionKept[i] = keepPosition * positionKept[i] + (i < accepted ? 1 : 0)
                positionJudged[i] = keepPosition * positionJudged[i] + 1
            }
        }
        var previous = estimates.acceptance
        estimates.positionAcceptance = zip(positionKept, positionJudged).map { kept, judged in
            let w = Self.positionPriorWeight
            previous = min(max((kept + w * previous) / (judged + w), 0), 1)
            return previous
        }
        let rtt = round.networkSeconds + round.queueSeconds
        if rtt.isFinite, rtt >= 0 { estimates.roundTripSeconds = keep * estimates.roundTripSeconds + s * rtt }
        let k = Double(round.proposed)
        let v = round.verifySeconds
        if v.isFinite, v >= 0 {
            fit = (
                w: keep * fit.w + s, k: keep * fit.k + s * k, kk: keep * fit.kk + s * k * k,
                v: keep * fit.v + s * v, kv: keep * fit.kv + s * k * v
            )
            let det = fit.w * fit.kk - fit.k * fit.k
            // Only a spread of window sizes identifies the slope; otherwise the prior's shape, scaled.
            if det > 1e-6 * fit.w * fit.w {
                let b = max((fit.w * fit.kv - fit.k * fit.v) / det, 0)
                estimates.verifySecondsPerDraft = b
                estimates.verifyBaseSeconds = max((fit.v - b * fit.k) / fit.w, 0)
            } else if fit.w > 0 {
                let meanK = fit.k / fit.w
                let meanV = fit.v / fit.w
                let a = max(meanV / (1 + priorSlopeRatio * meanK), 0)
                estimates.verifyBaseSeconds = a
                estimates.verifySecondsPerDraft = priorSlopeRatio * a
            }
        }
    }

    /// Expected tokens a window of `window` yields at per-draft acceptance `acceptance`.
    public static func expectedTokens(window: Int, acceptance: Double) -> Double {
        let alpha = min(max(acceptance, 0), 1)
        if alpha > 1 - 1e-9 { return Double(window + 1) }
        return (1 - pow(alpha, Double(window + 1))) / (1 - alpha)
    }

    /// Expected tokens a window of `window` yields under `estimates`: from the per-position
    /// acceptance when there is one, else from the single `acceptance`.
    public static func expectedTokens(window: Int, estimates e: Estimates) -> Double {
        guard let last = e.positionAcceptance.last else {
            return expectedTokens(window: window, acceptance: e.acceptance)
        }
        var tokens = 1.0
        var reach = 1.0
        for i in 0..<max(window, 0) {
            reach *= min(max(i < e.positionAcceptance.count ? e.positionAcceptance[i] : last, 0), 1)
            tokens += reach
        }
        return tokens
    }

    /// Expected seconds of a round with `window` drafts.
    public static func expectedSeconds(window: Int, estimates e: Estimates) -> Double {
        let k = Double(window)
        return k * e.draftSecondsPerToken + e.roundTripSeconds + e.verifyBaseSeconds + k * e.verifySecondsPerDraft
    }

    /// The window in `range` with the most expected tokens per second (the smallest on ties).
    public static func bestWindow(for estimates: Estimates, in range: ClosedRange<Int>) -> Int {
        var best = range.lowerBound
        var bestRate = -Double.infinity
        for k in range {
            let seconds = max(expectedSeconds(window: k, estimates: estimates), 1e-12)
            let rate = expectedTokens(window: k, estimates: estimates) / seconds
            if rate > bestRate * (1 + 1e-12) {
                best = k
                bestRate = rate
            }
        }
        return best
    }
}
