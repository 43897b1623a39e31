/// Any `Clock<Duration>` read as the time elapsed since this value was made. Instants of a clock whose
/// type is not known become plain `Duration`s, so a type can hold `any Clock<Duration>` (the
/// `ContinuousClock` in production, a test's manual clock) and still compare deadlines and sleep until
/// one.
package struct ElapsedClock: Sendable {
    private let read: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    package init(_ clock: any Clock<Duration>) {
        self = Self.opening(clock)
    }

    private init(
        read: @escaping @Sendable () -> Duration, sleeper: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.read = read
        self.sleeper = sleeper
    }

    private static func opening<C: Clock<Duration>>(_ clock: C) -> ElapsedClock {
        let origin = clock.now
        return ElapsedClock(
            read: { origin.duration(to: clock.now) },
            sleeper: { try await clock.sleep(until: origin.advanced(by: $0), tolerance: nil) })
    }

    /// Time elapsed on the clock since this value was made.
    package var now: Duration { read() }

    /// Sleeps until `now` reaches `elapsed` (throws when the task is cancelled).
    package func sleep(until elapsed: Duration) async throws {
        try await sleeper(elapsed)
    }
}
