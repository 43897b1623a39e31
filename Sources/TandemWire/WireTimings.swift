/// Where the server's time went for a round, in milliseconds (`queue_ms`, `compute_ms` on the wire).
public struct WireTimings: Sendable, Equatable, Codable {
    public var queueMs: Double
    public var computeMs: Double

    public init(queueMs: Double = 0, computeMs: Double = 0) {
        self.queueMs = queueMs
        self.computeMs = computeMs
    }

    enum CodingKeys: String, CodingKey {
        case queueMs = "queue_ms"
        case computeMs = "compute_ms"
    }
}
