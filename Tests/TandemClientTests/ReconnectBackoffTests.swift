import TandemClient
import TandemDecoding
import TandemLoopbackSupport
import TandemServer
import TandemTestSupport
import Testing

/// The pauses between reconnects run on the verifier's injected clock: the tests move it by hand, so
/// what they see does not depend on how fast the machine is.
@Suite("RemoteVerifier reconnect back-off on a manual clock", .timeLimit(.minutes(2)))
struct ReconnectBackoffTests {
    static func verifier(_ server: RunningServer, clock: ManualClock) -> RemoteVerifier {
        RemoteVerifier(
            .init(
                url: server.assistURL, draftFingerprint: Toys.fingerprint, timeout: .seconds(10), maxReconnects: 3,
                logger: quietLogger(), clock: clock))
    }

    @Test("a dropped connection is re-opened only once the pause has passed on the clock, and no token is lost")
    func reconnectWaitsForTheClock() async throws {
        let clock = ManualClock()
        try await withServer(faults: FaultInjection(dropConnectionAtVerify: 2)) { server in
            let verifier = Self.verifier(server, clock: clock)
            _ = try await verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 10))
            let v1 = try await verifier.verify(DraftRound(round: 1, base: 3, drafts: []))
            // The server drops the connection at the second verify; the verifier pauses on its clock.
            let second = Task { try await verifier.verify(DraftRound(round: 2, base: 4, drafts: [])) }
            try await clock.waitForSleepers()
            #expect(clock.pendingDeadlines == [clock.now.advanced(by: .milliseconds(100))])
            #expect(await verifier.reconnects == 0, "nothing is retried before the pause ends")
            clock.advance(by: .milliseconds(100))
            let v2 = try await second.value
            #expect([v1.next, v2.next] == Toys.target.greedy(prompt: [1, 2, 3], count: 2))
            #expect(await verifier.reconnects == 1)
            await verifier.close()
        }
    }

    @Test("each failure in a row pauses twice as long as the last, then the verifier gives up")
    func pausesDoubleThenGiveUp() async throws {
        let clock = ManualClock()
        try await withServer(faults: FaultInjection(dropConnectionAtVerify: 1)) { server in
            let verifier = Self.verifier(server, clock: clock)
            _ = try await verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 10))
            let round = Task { try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [])) }
            // The connection drops at the first verify; with the server gone, every reconnect fails.
            try await clock.waitForSleepers()
            await server.stop()
            for pause in [100, 200, 400] {
                try await clock.waitForSleepers()
                #expect(clock.pendingDeadlines == [clock.now.advanced(by: .milliseconds(pause))])
                clock.advance(by: .milliseconds(pause))
            }
            do {
                let verdict = try await round.value
                Issue.record("a verdict with the server gone: \(verdict)")
            } catch ClientError.reconnectsExhausted(let attempts, _) {
                #expect(attempts == 3)
            }
            #expect(await verifier.reconnects == 3)
            #expect(clock.sleeperCount == 0, "no pause after the last failure")
        }
    }
}
