import Synchronization

/// One attempt to reach a verifier again, run in the background while the draft generates alone
/// (`ResilientGenerator`); the generator polls it between local tokens.
final class ReconnectProbe: Sendable {
    /// How an attempt ended.
    enum Outcome: Sendable {
        /// The verifier opened the sequence: resume assisted rounds.
        case reachable
        /// Still no verifier.
        case unreachable
        /// A real error, which must surface.
        case failed(any Error)
    }

    private struct State {
        var task: Task<Void, Never>?
        var outcome: Outcome?
    }

    private let state = Mutex(State())

    /// True while an attempt runs.
    var isRunning: Bool { state.withLock { $0.task != nil && $0.outcome == nil } }

    /// True while an attempt runs or its outcome waits to be taken.
    var isBusy: Bool { state.withLock { $0.task != nil || $0.outcome != nil } }

    /// Starts an attempt to open `request` on `verifier`.
    func start(_ verifier: any Verifier, _ request: SessionRequest) {
        state.withLock { $0 = State() }
        let task = Task { [self] in
            let outcome: Outcome
            do {
                _ = try await verifier.open(request)
                outcome = .reachable
            } catch is VerifierUnavailable {
                outcome = .unreachable
            } catch {
                outcome = .failed(error)
            }
            state.withLock { $0.outcome = outcome }
        }
        state.withLock { $0.task = task }
    }

    /// The finished attempt's outcome, once (nil while it runs or when none ran).
    func take() -> Outcome? {
        state.withLock { s in
            guard let outcome = s.outcome else { return nil }
            s = State()
            return outcome
        }
    }

    /// Cancels an attempt still running.
    func cancel() {
        state.withLock { s in
            s.task?.cancel()
            s = State()
        }
    }
}
