/// A token bucket over a clock read as elapsed time: it holds at most `capacity` tokens and gains
/// `capacity` per `period`. Used for the rate of `open` (global and per key), a key's tokens per minute,
/// and the coordinator's registration attempts per address.
package struct TokenBucket: Sendable, Equatable {
    package let capacity: Double
    package let period: Duration
    package private(set) var level: Double
    private var updated: Duration

    /// A full bucket at `now`.
    package init(capacity: Int, period: Duration = .seconds(60), now: Duration) {
        self.capacity = Double(capacity)
        self.period = period
        level = Double(capacity)
        updated = now
    }

    private mutating func refill(_ now: Duration) {
        guard now > updated else { return }
        let gained = (now - updated) / period * capacity
        level = min(capacity, level + gained)
        updated = now
    }

    /// Takes `amount` when the bucket holds that much; false (and nothing taken) otherwise.
    package mutating func take(_ amount: Double = 1, now: Duration) -> Bool {
        refill(now)
        guard level >= amount else { return false }
        level -= amount
        return true
    }

    /// Whether anything is left (a round may start while the bucket is above zero).
    package mutating func hasAny(now: Duration) -> Bool {
        refill(now)
        return level > 0
    }

    /// Spends `amount` that was already used (the bucket may go below zero: the debt is paid by refill
    /// before the next `hasAny` is true).
    package mutating func spend(_ amount: Double, now: Duration) {
        refill(now)
        level -= amount
    }
}
