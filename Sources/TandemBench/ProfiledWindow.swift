import TandemDecoding

/// The adaptive window (`CostModelWindow`) deciding with a `PreemptProfile`'s costs instead of this
/// machine's: each round's draft and verify times are replaced by what the profile says they would be
/// (draft k·t, pass a + b·(k + 1)) before the cost model learns from them; acceptance and the measured
/// round trip stay as measured. Used for the bench's modelled column (policy `adaptive-profile`), so the
/// windows priced with the profile are the ones a client under that profile would choose.
public struct ProfiledWindow: WindowPolicy {
    public private(set) var inner: CostModelWindow
    public let profile: PreemptProfile

    public init(profile: PreemptProfile, rtt: Double, maxWindow: Int = 16) {
        self.profile = profile
        let prior = CostModelWindow.Estimates.prior
        inner = CostModelWindow(
            initial: .init(acceptance: prior.acceptance, roundTripSeconds: rtt, draftSecondsPerToken: profile.draftPerToken,
                           verifyBaseSeconds: profile.passBase + profile.passPerPosition,
                           verifySecondsPerDraft: profile.passPerPosition),
            minWindow: 1, maxWindow: maxWindow)
    }

    public var initialWindow: Int { inner.initialWindow }

    public mutating func nextWindow(after round: RoundStats) -> Int {
        let k = Double(round.proposed)
        let priced = RoundStats(proposed: round.proposed, accepted: round.accepted, draftSeconds: k * profile.draftPerToken,
                                networkSeconds: round.networkSeconds, queueSeconds: 0,
                                verifySeconds: profile.pass(drafts: k))
        return inner.nextWindow(after: priced)
    }
}
