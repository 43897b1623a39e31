import Dispatch
import TandemUtilities

/// A serial dispatch queue that runs synchronous model compute off Swift's cooperative thread pool.
///
/// A forward pass can block a thread for a long time; doing that on the cooperative pool would starve
/// every other task. Each model gets one `ComputeQueue` (share it between the sessions of one model so
/// only one pass runs at a time) and async code awaits the work through a checked continuation.
/// The queue also serialises access to the non-`Sendable` session state the work closure touches.
public final class ComputeQueue: Sendable {
    /// The result of a piece of work and where its time went.
    public struct Timed<Value: Sendable>: Sendable {
        public var value: Value
        /// Seconds between submitting the work and the queue starting it.
        public var queueSeconds: Double
        /// Seconds the work itself ran.
        public var computeSeconds: Double
        /// CPU seconds the queue's thread spent on the work (`ThreadCPUClock`); work the model hands to
        /// its other compute threads is not included.
        public var cpuSeconds: Double = 0
    }

    private let queue: DispatchQueue

    /// Creates a queue; `label` names its thread in debuggers and profiles.
    public init(label: String = "tandem.compute") {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `work` on the queue and returns its value with the queue and compute times.
    public func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Timed<Value> {
        let clock = ContinuousClock()
        let submitted = clock.now
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let started = clock.now
                let cpuStarted = ThreadCPUClock.now()
                do {
                    let value = try work()
                    let ended = clock.now
                    continuation.resume(
                        returning: Timed(
                            value: value,
                            queueSeconds: (started - submitted).seconds,
                            computeSeconds: (ended - started).seconds,
                            cpuSeconds: max(0, ThreadCPUClock.now() - cpuStarted)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Runs `work` on the queue and returns its value.
    public func perform<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await run(work).value
    }
}
