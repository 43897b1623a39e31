import Synchronization
import TandemUtilities

/// What a server's heartbeats report as load: rounds in flight and tokens produced recently, by
/// `/v1/assist` rounds and the OpenAI endpoints' completions alike.
final class LoadTracker: Sendable {
    private struct State {
        var inFlight = 0
        /// (when, tokens) of the rounds answered within the window, oldest first.
        var recent: [(ContinuousClock.Instant, Int)] = []
    }

    private let state = Mutex(State())
    /// How far back `tokensPerSecond` looks.
    let window: Duration

    init(window: Duration = .seconds(10)) {
        self.window = window
    }

    /// A `verify` was received.
    func roundStarted() {
        state.withLock { $0.inFlight += 1 }
    }

    /// A round was received: counted in flight unless `limit` rounds already are (then false, and
    /// nothing counted).
    func tryRoundStarted(limit: Int?) -> Bool {
        state.withLock { s in
            if let limit, s.inFlight >= limit { return false }
            s.inFlight += 1
            return true
        }
    }

    /// A `verify` was answered (or failed); `tokens` is what it added to the sequence.
    func roundFinished(tokens: Int) {
        let now = ContinuousClock.now
        state.withLock { s in
            s.inFlight = max(0, s.inFlight - 1)
            if tokens > 0 { s.recent.append((now, tokens)) }
            trim(&s, now: now)
        }
    }

    /// An OpenAI completion started: it counts as one round in flight until it ends.
    func completionStarted() {
        roundStarted()
    }

    /// An OpenAI completion produced `tokens` (recorded as they come, so tokens/s follows a long answer).
    func completionProduced(tokens: Int) {
        let now = ContinuousClock.now
        state.withLock { s in
            if tokens > 0 { s.recent.append((now, tokens)) }
            trim(&s, now: now)
        }
    }

    /// An OpenAI completion ended (finished, failed or abandoned).
    func completionFinished() {
        roundFinished(tokens: 0)
    }

    /// Rounds received and not yet answered.
    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Tokens per second over the last `window`.
    func tokensPerSecond() -> Double {
        let now = ContinuousClock.now
        let tokens = state.withLock { s in
            trim(&s, now: now)
            return s.recent.reduce(0) { $0 + $1.1 }
        }
        return Double(tokens) / window.seconds
    }

    private func trim(_ s: inout State, now: ContinuousClock.Instant) {
        let cut = s.recent.firstIndex { now - $0.0 <= window } ?? s.recent.count
        if cut > 0 { s.recent.removeFirst(cut) }
    }
}
