import TandemKernels
import TandemModel

/// How a server runs the engine for many sessions: continuous batching of their passes, the KV
/// cache's precision, and a memory budget for all caches together.
public struct EngineServing: Sendable, Equatable {
    /// Most new positions one batched pass takes; 0 turns batching off (one pass at a time, in
    /// arrival order, as before batching existed).
    public var maxBatchPositions: Int
    /// How every session's KV cache stores keys and values.
    public var kvPrecision: KVPrecision
    /// Most MiB all sessions' KV caches may hold together; nil: no budget.
    public var kvBudgetMB: Int?
    /// The longest a batched pass waits for the sessions of the previous pass to come back with their
    /// next round (at most half a pass), so sessions do not split into alternating passes. Clients in
    /// the same process come back in microseconds; remote ones after a network round trip and their
    /// drafting, so a short wait only batches clients that are quick.
    public var maxBatchLingerSeconds: Double

    public init(
        maxBatchPositions: Int = 64, kvPrecision: KVPrecision = .f32, kvBudgetMB: Int? = nil,
        maxBatchLingerSeconds: Double = 0.02
    ) {
        self.maxBatchPositions = max(0, maxBatchPositions)
        self.kvPrecision = kvPrecision
        self.kvBudgetMB = kvBudgetMB
        self.maxBatchLingerSeconds = max(0, maxBatchLingerSeconds.isFinite ? maxBatchLingerSeconds : 0)
    }

    /// Today's default: batching on (64 positions a pass), F32 caches, no budget.
    public static let standard = EngineServing()
    /// One pass at a time (no batching), F32 caches, no budget: the server before batching.
    public static let unbatched = EngineServing(maxBatchPositions: 0)
}
