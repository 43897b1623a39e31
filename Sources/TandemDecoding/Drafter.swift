/// Draft tokens proposed for one round, with the distributions they were drawn from.
public struct DraftProposal: Sendable, Equatable {
    /// The proposed tokens, continuing the agreed sequence.
    public var tokens: [Int]
    /// Per token, the exact distribution it was sampled from; nil when chosen deterministically.
    public var q: [SparseDistribution]?
    /// Per token, its probability under the draft's own distribution, when drafted under a stop rule.
    public var probabilities: [Double]?

    public init(tokens: [Int], q: [SparseDistribution]? = nil, probabilities: [Double]? = nil) {
        self.tokens = tokens
        self.q = q
        self.probabilities = probabilities
    }

    /// No drafts.
    public static let empty = DraftProposal(tokens: [])
}

/// The client side of assisted decoding: proposes continuations of the agreed sequence.
public protocol Drafter: Sendable {
    /// Starts from `request.prompt` as the agreed sequence (dropping any earlier generation), with the
    /// request's sampling; stop tokens end a window early.
    func start(_ request: SessionRequest) async throws
    /// Proposes up to `count` tokens after the agreed sequence (fewer when its context runs out or a
    /// stop token is drafted). Does not change the agreed sequence.
    func propose(_ count: Int) async throws -> DraftProposal
    /// Like `propose(_:)`, but ends the window early under `stopRule`: a window the draft is unsure of
    /// is likely rejected, and every draft after the rejection with it. Nil: no rule.
    func propose(_ count: Int, stopRule: DraftStopRule?) async throws -> DraftProposal
    /// The agreed sequence grew by `tokens` (usually the kept drafts and the verifier's token); the
    /// drafter rolls back whatever it drafted beyond them.
    func advance(_ tokens: [Int]) async throws
    /// Preemptive drafting: proposes up to `count` tokens after the agreed sequence + `tokens` (a
    /// provisional verdict's kept drafts and token) WITHOUT changing the agreed sequence. A following
    /// `advance` with exactly `tokens` keeps this work (the proposal is then the next window and the
    /// cache already holds it); any other `advance` discards it: the cache and, under sampling, the
    /// random stream roll back as if it never ran. Drafting stops early, returning what it has, once
    /// the calling task is cancelled, or where `stopRule` ends it. Nil: this drafter does not speculate
    /// (the default).
    func speculate(after tokens: [Int], count: Int, stopRule: DraftStopRule?) async throws -> DraftProposal?
    /// Proactive drafting: the draft's own most likely token after the agreed sequence + `tokens` (a
    /// window being verified), its guess at the verifier's next token, WITHOUT changing the agreed
    /// sequence or drawing from the random stream. A following `speculate(after: tokens + [guess], …)`
    /// goes on from the work it did. Nil: this drafter does not guess (the default).
    func guessNext(after tokens: [Int]) async throws -> Int?
}

extension Drafter {
    /// Default: the rule is ignored (a valid, if wasteful, answer: drafts are only proposals).
    public func propose(_ count: Int, stopRule: DraftStopRule?) async throws -> DraftProposal {
        try await propose(count)
    }

    /// Default: no speculation.
    public func speculate(after tokens: [Int], count: Int, stopRule: DraftStopRule?) async throws -> DraftProposal? {
        nil
    }

    /// Default: no guess (no proactive drafting).
    public func guessNext(after tokens: [Int]) async throws -> Int? { nil }

    /// Speculates with no stopping rule.
    public func speculate(after tokens: [Int], count: Int) async throws -> DraftProposal? {
        try await speculate(after: tokens, count: count, stopRule: nil)
    }
}
