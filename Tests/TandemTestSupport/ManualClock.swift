import Synchronization

/// A clock that moves only when the test says so. Code under test sleeps on it as on any clock; a
/// sleeper wakes when `advance(by:)` brings `now` to its deadline, never because real time passed.
/// Tests drive idle expiry, heartbeats and reconnect back-off with it instead of sleeping against
/// real timeouts, so a loaded machine can make them slower but not change what they see.
///
/// ```swift
/// let clock = ManualClock()
/// let server = VerifierServer(model: model, limits: ServerLimits(idleTimeout: .seconds(300)), clock: clock)
/// // … open a session …
/// await clock.waitForSleepers()        // the server's idle watchdog sleeps
/// clock.advance(by: .seconds(300))      // and expires the session now
/// ```
public final class ManualClock: Clock, Sendable {
    /// A point on the manual time line: how far the clock has been advanced since it was made.
    public struct Instant: InstantProtocol, CustomStringConvertible {
        public var offset: Duration

        public init(offset: Duration) {
            self.offset = offset
        }

        public func advanced(by duration: Duration) -> Instant {
            Instant(offset: offset + duration)
        }

        public func duration(to other: Instant) -> Duration {
            other.offset - offset
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }

        public var description: String { "t+\(offset)" }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Watcher {
        var count: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Int: Sleeper] = [:]
        var watchers: [Int: Watcher] = [:]
        var nextID = 0
        /// Sleeps that ended because `advance` reached their deadline (or began already due).
        var wakeUps = 0

        mutating func newID() -> Int {
            nextID += 1
            return nextID
        }

        /// Takes the watchers whose count the sleepers now reach.
        mutating func satisfiedWatchers() -> [CheckedContinuation<Void, any Error>] {
            let ready = watchers.filter { $0.value.count <= sleepers.count }
            for id in ready.keys { watchers[id] = nil }
            return ready.values.map(\.continuation)
        }
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }

    public var minimumResolution: Duration { .zero }

    /// Tasks sleeping on the clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The deadlines of the tasks sleeping on the clock now, earliest first.
    public var pendingDeadlines: [Instant] { state.withLock { $0.sleepers.values.map(\.deadline).sorted() } }

    /// Sleeps that have ended because their deadline came (not by cancellation) over the clock's life.
    public var wakeUps: Int { state.withLock { $0.wakeUps } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { $0.newID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (outcome, watchers): (Result<Void, any Error>?, [CheckedContinuation<Void, any Error>]) =
                    state.withLock { s in
                        if Task.isCancelled { return (.failure(CancellationError()), []) }
                        if deadline <= s.now {
                            s.wakeUps += 1
                            return (.success(()), [])
                        }
                        s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                        return (nil, s.satisfiedWatchers())
                    }
                if let outcome { continuation.resume(with: outcome) }
                for watcher in watchers { watcher.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration` and wakes every sleeper whose deadline it reaches.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a manual clock only moves forward")
        let due: [CheckedContinuation<Void, any Error>] = state.withLock { s in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let ready = s.sleepers.filter { $0.value.deadline <= now }
            for id in ready.keys { s.sleepers[id] = nil }
            s.wakeUps += ready.count
            return ready.values.sorted { $0.deadline < $1.deadline }.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits until at least `count` tasks sleep on the clock (a cancelled wait throws).
    public func waitForSleepers(_ count: Int = 1) async throws {
        let id = state.withLock { $0.newID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { s in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if s.sleepers.count >= count { return .success(()) }
                    s.watchers[id] = Watcher(count: count, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let watcher = state.withLock { $0.watchers.removeValue(forKey: id) }
            watcher?.continuation.resume(throwing: CancellationError())
        }
    }
}
