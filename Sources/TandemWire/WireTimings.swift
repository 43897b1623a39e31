/// Where the server's time went for a round, in milliseconds (`queue_ms`, `compute_ms`, `cpu_ms` on the
/// wire). `cpu_ms` is optional on the wire (absent reads as 0), so frames of servers that do not measure
/// CPU time still decode.
public struct WireTimings: Sendable, Equatable, Codable {
    public var queueMs: Double
    public var computeMs: Double
    /// Milliseconds from the start of the pass to the `provisional` frame it sent (`provisional_ms`;
    /// absent when none was sent).
    public var provisionalMs: Double?
    /// CPU milliseconds of the pass on the server's compute thread (0: not measured).
    public var cpuMs: Double
    /// With continuous batching: sessions and new positions in the largest batched pass that served
    /// the answer (`batch_sessions`, `batch_positions`; absent without batching).
    public var batchSessions: Int?
    public var batchPositions: Int?

    public init(
        queueMs: Double = 0, computeMs: Double = 0, provisionalMs: Double? = nil, cpuMs: Double = 0,
        batchSessions: Int? = nil, batchPositions: Int? = nil
    ) {
        self.queueMs = queueMs
        self.computeMs = computeMs
        self.provisionalMs = provisionalMs
        self.cpuMs = cpuMs
        self.batchSessions = batchSessions
        self.batchPositions = batchPositions
    }

    enum CodingKeys: String, CodingKey {
        case queueMs = "queue_ms"
        case computeMs = "compute_ms"
        case provisionalMs = "provisional_ms"
        case cpuMs = "cpu_ms"
        case batchSessions = "batch_sessions"
        case batchPositions = "batch_positions"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        queueMs = try container.decode(Double.self, forKey: .queueMs)
        computeMs = try container.decode(Double.self, forKey: .computeMs)
        provisionalMs = try container.decodeIfPresent(Double.self, forKey: .provisionalMs)
        cpuMs = try container.decodeIfPresent(Double.self, forKey: .cpuMs) ?? 0
        batchSessions = try container.decodeIfPresent(Int.self, forKey: .batchSessions)
        batchPositions = try container.decodeIfPresent(Int.self, forKey: .batchPositions)
    }
}
