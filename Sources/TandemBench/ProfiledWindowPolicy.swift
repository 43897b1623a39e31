import TandemDecoding

/// The adaptive window under a cloud profile: the cost model learns acceptance and the round trip
/// from what it measures, but draft and verify times from the profile, so it picks the window that
/// would be best on the profiled hardware rather than on the CPU the benchmark runs on.
///
/// Each round's stats are rewritten before `CostModelWindow` sees them: draft seconds become
/// `proposed · draftSecondsPerToken`, verify seconds the profile's pass over `proposed + 1`
/// positions, queue seconds 0; network seconds (the emulated link) stay as measured.
///
/// With `stopsOnConfidence` it is `ConfidenceStoppingWindow` over that cost model instead: `maxWindow`
/// bounds every round and the stopping rule is priced with the profile's costs.
public struct ProfiledWindowPolicy: WindowPolicy {
    public let profile: CloudProfile
    public private(set) var inner: CostModelWindow
    /// The stopping policy, when the policy stops on confidence.
    public private(set) var stopping: ConfidenceStoppingWindow?

    /// - Parameters:
    ///   - maxWindow: the largest window the policy may choose.
    ///   - stopsOnConfidence: bound every round at `maxWindow` and end it after the drafts the draft is unsure of.
    public init(profile: CloudProfile, minWindow: Int = 1, maxWindow: Int = 8, stopsOnConfidence: Bool = false) {
        self.profile = profile
        var prior = CostModelWindow.Estimates.prior
        prior.draftSecondsPerToken = profile.draftSecondsPerToken
        prior.verifyBaseSeconds = profile.passBaseSeconds
        prior.verifySecondsPerDraft = profile.passSecondsPerPosition
        inner = CostModelWindow(initial: prior, minWindow: minWindow, maxWindow: maxWindow)
        stopping = stopsOnConfidence ? ConfidenceStoppingWindow(costModel: inner) : nil
    }

    public var initialWindow: Int { stopping?.initialWindow ?? inner.initialWindow }

    public var stopRule: DraftStopRule? { stopping?.stopRule }

    public mutating func nextWindow(after round: RoundStats) -> Int {
        guard var stopping else { return inner.nextWindow(after: profiled(round)) }
        let window = stopping.nextWindow(after: profiled(round))
        inner = stopping.costModel
        self.stopping = stopping
        return window
    }

    /// `round` with its compute times replaced by the profile's.
    public func profiled(_ round: RoundStats) -> RoundStats {
        RoundStats(
            proposed: round.proposed, accepted: round.accepted,
            draftSeconds: Double(round.proposed) * profile.draftSecondsPerToken,
            networkSeconds: round.networkSeconds, queueSeconds: 0,
            verifySeconds: profile.passSeconds(positions: round.proposed + 1),
            draftProbabilities: round.draftProbabilities)
    }
}
