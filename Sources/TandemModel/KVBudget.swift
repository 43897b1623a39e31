import Synchronization

/// A memory budget for the KV caches of many sessions (a server's `--kv-budget-mb`).
///
/// Sessions made with a budget reserve bytes from it before their cache grows (a page at a time)
/// and give them back when they are freed; a pass that would take the budget past its limit throws
/// `ModelError.kvBudgetExceeded` before anything changes. Shareable across tasks.
public final class KVBudget: Sendable {
    /// The most bytes all caches under this budget may hold together.
    public let limitBytes: Int
    private let used = Mutex(0)

    /// - Parameter limitBytes: clamped to ≥ 0.
    public init(limitBytes: Int) {
        self.limitBytes = max(0, limitBytes)
    }

    /// A budget of `megabytes` MiB.
    public convenience init(megabytes: Int) {
        let (bytes, overflow) = max(0, megabytes).multipliedReportingOverflow(by: 1 << 20)
        self.init(limitBytes: overflow ? Int.max : bytes)
    }

    /// Bytes reserved by live caches now.
    public var usedBytes: Int { used.withLock { $0 } }

    /// Bytes still free.
    public var availableBytes: Int { limitBytes - usedBytes }

    /// Takes `bytes` from the budget when they fit; false (and nothing taken) when they do not.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        return used.withLock { u in
            guard bytes <= limitBytes - u else { return false }
            u += bytes
            return true
        }
    }

    /// Gives `bytes` back.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.withLock { $0 = max(0, $0 - bytes) }
    }
}
