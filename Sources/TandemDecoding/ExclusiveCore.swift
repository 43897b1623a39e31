import Synchronization

/// A core that is not `Sendable` (a model session and its bookkeeping) behind a `Mutex`: the compiler
/// checks that every access goes through `withLock`, one caller at a time, instead of trusting an
/// `@unchecked Sendable` and the discipline of touching it only on one `ComputeQueue`. The queue still
/// runs the compute (off the cooperative pool, one pass at a time per model); the lock is uncontended.
final class ExclusiveCore<Core>: Sendable {
    private let mutex: Mutex<Core>

    init(_ core: sending Core) {
        mutex = Mutex(core)
    }

    /// Runs `body` with the core, holding the lock.
    func withLock<Result: Sendable, Failure: Error>(_ body: (inout sending Core) throws(Failure) -> Result)
        throws(Failure) -> Result
    {
        try mutex.withLock { (core: inout sending Core) throws(Failure) -> Result in try body(&core) }
    }
}
