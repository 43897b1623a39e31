/// One round's proposal: a window of draft tokens continuing the agreed sequence.
public struct DraftRound: Sendable, Equatable, Codable {
    /// Round number, increasing within a session (a replayed round is refused).
    public var round: Int
    /// The agreed length the client believes the verifier holds; a mismatch means resync.
    public var base: Int
    /// The draft tokens d1 … dk (k may be 0: a plain target step).
    public var drafts: [Int]
    /// Per draft position, the distribution q the draft was sampled from (sparse: its top-k ids and
    /// probabilities). Nil means the drafts were chosen deterministically (q is one-hot at the draft),
    /// which is always the case under greedy sampling.
    public var q: [SparseDistribution]?

    public init(round: Int, base: Int, drafts: [Int], q: [SparseDistribution]? = nil) {
        self.round = round
        self.base = base
        self.drafts = drafts
        self.q = q
    }
}
