/// The verifier's answer to a round: how many drafts it kept and one token of its own.
public struct Verdict: Sendable, Equatable, Codable {
    /// Where the verifier's time went for this round.
    public struct Timings: Sendable, Equatable, Codable {
        /// Seconds the round waited for the model (other sessions' passes).
        public var queueSeconds: Double
        /// Seconds of the forward pass and verification.
        public var computeSeconds: Double
        /// Seconds from the start of the pass to its provisional verdict (early exit); nil when none
        /// was made.
        public var provisionalSeconds: Double?
        /// CPU seconds of the pass on the verifier's compute thread (0 when not measured).
        public var cpuSeconds: Double

        public init(
            queueSeconds: Double = 0, computeSeconds: Double = 0, provisionalSeconds: Double? = nil,
            cpuSeconds: Double = 0
        ) {
            self.queueSeconds = queueSeconds
            self.computeSeconds = computeSeconds
            self.provisionalSeconds = provisionalSeconds
            self.cpuSeconds = cpuSeconds
        }
    }

    /// An early-exit guess at the verdict, made mid-pass from the early-exit rows by the same rule as
    /// the verdict, and sent before the full pass finishes (`Verifier.verify(_:onProvisional:)`).
    public struct Provisional: Sendable, Equatable, Codable {
        public var accepted: Int
        public var next: Int

        public init(accepted: Int, next: Int) {
            self.accepted = accepted
            self.next = next
        }
    }

    /// The round this answers.
    public var round: Int
    /// How many drafts, from the first, are now part of the agreed sequence (0...k). Fewer than the
    /// rule accepted when the session ends inside the window (stop token or limit reached).
    public var accepted: Int
    /// The verifier's token after the kept drafts: the correction, the bonus, or the token that ends
    /// the session. The agreed sequence grows by `drafts[0..<accepted] + [next]`.
    public var next: Int
    /// True when the session takes no more rounds (stop token, token limit or context reached).
    public var finished: Bool
    /// The verifier's time split.
    public var timings: Timings
    /// The provisional verdict this round's pass made, if any (in-process; the wire sends it apart).
    public var provisional: Provisional?
    /// Bytes this round took on the wire, both directions, filled by the transport on the client side
    /// (0 in-process; not itself sent).
    public var wireBytes: Int

    public init(
        round: Int, accepted: Int, next: Int, finished: Bool, timings: Timings = Timings(),
        provisional: Provisional? = nil, wireBytes: Int = 0
    ) {
        self.round = round
        self.accepted = accepted
        self.next = next
        self.finished = finished
        self.timings = timings
        self.provisional = provisional
        self.wireBytes = wireBytes
    }
}
