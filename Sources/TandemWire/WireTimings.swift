/// Where the server's time went for a round, in milliseconds (`queue_ms`, `compute_ms` on the wire).
public struct WireTimings: Sendable, Equatable, Codable {
    public var queueMs: Double
    public var computeMs: Double
    /// Milliseconds from the start of the pass to the `provisional` frame it sent (`provisional_ms`;
    /// absent when none was sent).
    public var provisionalMs: Double?

    public init(queueMs: Double = 0, computeMs: Double = 0, provisionalMs: Double? = nil) {
        self.queueMs = queueMs
        self.computeMs = computeMs
        self.provisionalMs = provisionalMs
    }

    enum CodingKeys: String, CodingKey {
        case queueMs = "queue_ms"
        case computeMs = "compute_ms"
        case provisionalMs = "provisional_ms"
    }
}
