import Synchronization
import TandemCoordinator
import TandemLoopbackSupport
import TandemServer
import TandemTestSupport
import TandemWire
import Testing

/// The registration sleeps between heartbeats on its injected clock and the registry reads the same
/// clock, so the test moves time by hand: a heartbeat happens exactly when the clock says so.
@Suite("Coordinator registration heartbeats on a manual clock", .timeLimit(.minutes(2)))
struct RegistrationHeartbeatTests {
    @Test("heartbeats every third of the coordinator's timeout keep the verifier listed; it leaves when cancelled")
    func heartbeatsKeepItListed() async throws {
        let clock = ManualClock()
        let origin = ContinuousClock.now
        let registry = VerifierRegistry(
            secret: "s3cret", heartbeatTimeout: .seconds(30), now: { origin + clock.now.offset })
        let coordinator = try await CoordinatorServer(
            registry: registry, host: "127.0.0.1", port: 0, logger: quietLogger()
        ).start()
        let registration = CoordinatorRegistration(
            coordinator: coordinator.url, secret: "s3cret",
            registration: VerifierRegistration(
                address: "ws://127.0.0.1:9", model: "toy-target", tokenizerFingerprint: Toys.fingerprint,
                modelSha256: String(repeating: "a", count: 64), contextLength: 256, capacity: 1, load: VerifierLoad()),
            logger: quietLogger(), clock: clock)
        let samples = Mutex(0)
        let agent = Task {
            await registration.run(load: {
                VerifierLoad(
                    activeSessions: samples.withLock { count in
                        count += 1
                        return count
                    })
            })
        }
        // Registered, it waits a third of the 30 s timeout on the clock before its first heartbeat.
        try await clock.waitForSleepers()
        #expect(clock.pendingDeadlines == [clock.now.advanced(by: .seconds(10))])
        #expect(registry.list().map(\.registration.load.activeSessions) == [1])
        // Six heartbeats: 60 s on the clock, twice the timeout, and it is never dropped.
        for beat in 2...7 {
            clock.advance(by: .seconds(10))
            try await clock.waitForSleepers()
            let listed = registry.list()
            #expect(listed.map(\.registration.load.activeSessions) == [beat], "the heartbeat carries the load")
            #expect(listed.map(\.lastSeenMs) == [0], "seen at this instant of the clock")
        }
        agent.cancel()
        await agent.value
        #expect(registry.list().isEmpty, "it deregisters when cancelled")
        await coordinator.stop()
    }
}
