import Synchronization
import TandemDecoding

/// A drafter that stops before proposing once the generation has reached each of `pauses` tokens,
/// until the test opens the gate: how a test makes "mid-generation" a precise point (kill a
/// verifier while the client waits here, then let it continue).
public final class GatedDrafter: Drafter {
    private struct State {
        var generated = 0
        var pauses: [Int]
        var paused = false
    }

    private let base: any Drafter
    private let state: Mutex<State>

    public init(_ base: any Drafter, pauses: [Int]) {
        self.base = base
        state = Mutex(State(pauses: pauses.sorted()))
    }

    /// True while the drafter waits at a pause point.
    public var isPaused: Bool { state.withLock { $0.paused } }

    /// Lets a paused drafter go on (to the next pause point).
    public func resume() {
        state.withLock { $0.paused = false }
    }

    /// Waits until the drafter is paused (or the deadline passes).
    public func waitUntilPaused(timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isPaused, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return isPaused
    }

    public func start(_ request: SessionRequest) async throws {
        state.withLock { $0.generated = 0 }
        try await base.start(request)
    }

    public func propose(_ count: Int) async throws -> DraftProposal {
        let pause = state.withLock { s in
            guard let next = s.pauses.first, s.generated >= next else { return false }
            s.pauses.removeFirst()
            s.paused = true
            return true
        }
        if pause {
            while isPaused { try await Task.sleep(for: .milliseconds(10)) }
        }
        return try await base.propose(count)
    }

    public func advance(_ tokens: [Int]) async throws {
        state.withLock { $0.generated += tokens.count }
        try await base.advance(tokens)
    }
}
