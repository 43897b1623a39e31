import Synchronization
import TandemUtilities

/// The rate of registration attempts per remote address: a token bucket per address holding
/// `attemptsPerMinute`. At most `maxAddresses` addresses are tracked; addresses whose buckets refilled
/// are forgotten first, and when every tracked address is still throttled a new one is refused too
/// (the table never grows past its bound).
public final class RegistrationThrottle: Sendable {
    /// Attempts one address may make per minute (and in a burst).
    public let attemptsPerMinute: Int
    /// Most addresses tracked at once.
    public let maxAddresses: Int
    private let clock: ElapsedClock
    private let buckets = Mutex<[String: TokenBucket]>([:])

    /// - Parameter clock: the clock buckets refill on (tests pass one they move by hand).
    public init(attemptsPerMinute: Int = 30, maxAddresses: Int = 10_000, clock: any Clock<Duration> = ContinuousClock())
    {
        self.attemptsPerMinute = max(1, attemptsPerMinute)
        self.maxAddresses = max(1, maxAddresses)
        self.clock = ElapsedClock(clock)
    }

    /// Counts an attempt from `address`; false when the address is over its rate (nothing counted).
    public func admit(_ address: String) -> Bool {
        let now = clock.now
        let rate = attemptsPerMinute
        let cap = maxAddresses
        return buckets.withLock { table in
            if table[address] == nil, table.count >= cap {
                for (key, var bucket) in table {
                    _ = bucket.take(0, now: now)
                    if bucket.level >= bucket.capacity { table[key] = nil }
                }
                guard table.count < cap else { return false }
            }
            var bucket = table[address] ?? TokenBucket(capacity: rate, now: now)
            let admitted = bucket.take(now: now)
            table[address] = bucket
            return admitted
        }
    }
}
