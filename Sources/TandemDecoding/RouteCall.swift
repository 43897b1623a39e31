import Synchronization

/// One call on the routing verifier, running on its own task so the generator keeps drafting while
/// the answer is in flight. Runs after `prior` (calls on one verifier never overlap). The generator
/// polls `result` between draft steps, or waits for it with a deadline.
final class RouteCall: Sendable {
    /// What the call brought back.
    struct Outcome: Sendable {
        /// The cloud's answer (nil for an `open`).
        var answer: RouteAnswer?
        /// The session the call opened, if it (re-)opened one.
        var info: SessionInfo?
        /// Tokens the server appended in the route's pass (0 after a re-open, which sent them all).
        var sentTokens: Int
        /// Seconds from sending the route to its answer.
        var seconds: Double
    }

    private struct State {
        var result: Result<Outcome, any Error>?
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var expired: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    init(after prior: RouteCall?, _ body: @escaping @Sendable () async throws -> Outcome) {
        Task { [self] in
            if let prior { _ = await prior.result(before: nil) }
            let result: Result<Outcome, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            let waiters = state.withLock { s in
                s.result = result
                defer { s.waiters = [:] }
                return Array(s.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// The outcome, once the call has ended.
    var result: Result<Outcome, any Error>? { state.withLock { $0.result } }

    /// True when the call ended successfully.
    var succeeded: Bool {
        if case .success = result { return true }
        return false
    }

    /// Waits for the outcome until `deadline` (nil: no deadline) or until the waiting task is
    /// cancelled; nil when it did not come in time.
    func result(before deadline: ContinuousClock.Instant?) async -> Result<Outcome, any Error>? {
        let id = state.withLock { s in
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        let timer = deadline.map { deadline in
            Task { [self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                expire(id)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.result != nil || s.expired.contains(id) { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            expire(id)
        }
        timer?.cancel()
        return state.withLock { s in
            s.expired.remove(id)
            return s.result
        }
    }

    /// Wakes waiter `id` without an outcome (deadline passed or its task cancelled).
    private func expire(_ id: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.result == nil else { return nil }
            s.expired.insert(id)
            return s.waiters.removeValue(forKey: id)
        }
        waiter?.resume()
    }
}
