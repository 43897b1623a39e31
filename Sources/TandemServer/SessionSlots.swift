import Synchronization

/// Counts open sessions against the limit and names them.
final class SessionSlots: Sendable {
    private struct State {
        var open = 0
        var issued = 0
        var verifies = 0
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// A new session id, or nil when the server is full.
    func acquire() -> String? {
        state.withLock { s in
            guard s.open < limit else { return nil }
            s.open += 1
            s.issued += 1
            return "s\(s.issued)"
        }
    }

    func release() {
        state.withLock { $0.open = max(0, $0.open - 1) }
    }

    var openCount: Int { state.withLock { $0.open } }

    /// `verify` frames received over the server's life.
    var verifyCount: Int { state.withLock { $0.verifies } }

    /// Counts a `verify` received and returns its number over the server's life (for fault injection).
    func countVerify() -> Int {
        state.withLock { s in
            s.verifies += 1
            return s.verifies
        }
    }
}
