/// What the generator measured in one round, for window policies to learn from.
public struct RoundStats: Sendable, Equatable {
    /// Drafts proposed.
    public var proposed: Int
    /// Drafts that became part of the agreed sequence.
    public var accepted: Int
    /// Seconds spent drafting (and rolling the draft back) for this round.
    public var draftSeconds: Double
    /// Seconds of the round trip not spent in the verifier (wire and transport).
    public var networkSeconds: Double
    /// Seconds the round waited in the verifier's queue.
    public var queueSeconds: Double
    /// Seconds of the verifier's pass.
    public var verifySeconds: Double
    /// Each proposed draft's probability under the draft's own distribution, when the drafter
    /// reported them (under a stopping rule); empty otherwise.
    public var draftProbabilities: [Double] = []

    public init(
        proposed: Int, accepted: Int, draftSeconds: Double = 0, networkSeconds: Double = 0,
        queueSeconds: Double = 0, verifySeconds: Double = 0, draftProbabilities: [Double] = []
    ) {
        self.draftProbabilities = draftProbabilities
        self.proposed = proposed
        self.accepted = accepted
        self.draftSeconds = draftSeconds
        self.networkSeconds = networkSeconds
        self.queueSeconds = queueSeconds
        self.verifySeconds = verifySeconds
    }

    /// True when every proposed draft was kept (and there was at least one).
    public var fullyAccepted: Bool { proposed > 0 && accepted >= proposed }
}

/// Chooses how many drafts to propose each round. The generator further clamps the window to the
/// verifier's maximum and to what the token limit and context leave.
public protocol WindowPolicy: Sendable {
    /// The window of the first round.
    var initialWindow: Int { get }
    /// Learns from the round just finished and returns the next window.
    mutating func nextWindow(after round: RoundStats) -> Int
    /// A stopping rule for the coming round (the window is then an upper bound); nil: the drafter
    /// drafts the whole window (the default).
    var stopRule: DraftStopRule? { get }
}

extension WindowPolicy {
    /// Default: no stopping rule.
    public var stopRule: DraftStopRule? { nil }
}
