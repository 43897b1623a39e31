/// One routed position: the tokens the client generated alone since the last exchange (final), and
/// how many tokens of its own the verifier should answer after them.
public struct RouteRequest: Sendable, Equatable, Codable {
    /// Exchange number, increasing within a session (shared with verification rounds).
    public var round: Int
    /// The agreed length the client believes the verifier holds; a mismatch means resync.
    public var base: Int
    /// The client's tokens since the last exchange; the verifier appends them to its cache in one pass.
    public var tokens: [Int]
    /// How many tokens the verifier answers for the positions after `tokens` (≥ 1): a short cloud burst.
    public var span: Int

    public init(round: Int, base: Int, tokens: [Int], span: Int = 1) {
        self.round = round
        self.base = base
        self.tokens = tokens
        self.span = span
    }
}

/// The verifier's answer to a routed position.
public struct RouteAnswer: Sendable, Equatable, Codable {
    /// The exchange this answers.
    public var round: Int
    /// The verifier's own tokens for the routed position and the ones after it: `span` of them, fewer
    /// when the session finishes (stop token, token limit, full context). The agreed sequence grows by
    /// the request's tokens followed by these.
    public var tokens: [Int]
    /// True when the session takes no more exchanges.
    public var finished: Bool
    /// The verifier's time split (the one pass over the tokens plus span − 1 single steps).
    public var timings: Verdict.Timings
    /// Bytes this exchange took on the wire, both directions (0 in-process; not itself sent).
    public var wireBytes: Int

    public init(
        round: Int, tokens: [Int], finished: Bool, timings: Verdict.Timings = Verdict.Timings(), wireBytes: Int = 0
    ) {
        self.round = round
        self.tokens = tokens
        self.finished = finished
        self.timings = timings
        self.wireBytes = wireBytes
    }
}

/// A verifier that also serves token-level routing: the client generates alone and hands the
/// verifier only the positions it is unsure about. Same session (`open`/`close`) and pending-token
/// scheme as verification.
public protocol RoutingVerifier: Verifier {
    /// Appends `request.tokens` to the agreed sequence (one forward pass over the pending token and
    /// them) and answers the verifier's own next `request.span` tokens by the session's sampling.
    func route(_ request: RouteRequest) async throws -> RouteAnswer
}
