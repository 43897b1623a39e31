import Foundation
import TandemDecoding
import TandemLoopbackSupport
import TandemServer
import TandemTestSupport
import TandemWire
import TandemWireConversions
import Testing

@testable import TandemClient

@Suite("Bad input gets an error frame and the server keeps serving", .timeLimit(.minutes(2)))
struct BadInputTests {
    /// Expects an error frame with `code`.
    func expectError(_ reply: WireMessage, _ code: WireErrorCode, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .error(let e) = reply else {
            Issue.record("expected error \(code), got \(reply)", sourceLocation: sourceLocation)
            return
        }
        #expect(e.code == code, "\(e.message)", sourceLocation: sourceLocation)
        #expect(!e.message.isEmpty, sourceLocation: sourceLocation)
    }

    /// A good session on a fresh connection still works.
    func expectServing(_ server: RunningServer) async throws {
        let client = toyClient(server, policy: FixedWindow(4))
        let (result, _) = try await client.run(SessionRequest(prompt: [1, 2, 3], maxTokens: 20))
        #expect(result.tokens == Toys.target.greedy(prompt: [1, 2, 3], count: 20))
    }

    @Test("malformed frames, binary frames, unknown and reserved types on one connection")
    func malformed() async throws {
        try await withServer { server in
            let raw = try await RawConnection.connect(server)
            expectError(try await raw.send("not json"), .badFrame)
            expectError(try await raw.send("{\"type\":\"verify\"}"), .badFrame)
            expectError(try await raw.send("{\"type\":\"teleport\",\"v\":2}"), .unknownType)
            expectError(try await raw.send("{\"type\":\"open\",\"v\":9}"), .protocolVersion)
            expectError(try await raw.send(.extend(ExtendMessage(round: 1, base: 1, tokens: [1]))), .notOpen)
            expectError(try await raw.send(.provisional(ProvisionalMessage(round: 1, accepted: 0, next: 1))), .badFrame)
            expectError(
                try await raw.send(.verdict(VerdictMessage(round: 1, accepted: 0, next: 1, finished: false))), .badFrame
            )
            try await raw.link.sendBinary([0, 1, 2, 255])
            expectError(try raw.codec.decode(try await raw.link.receive(timeout: .seconds(10))), .badFrame)
            // The same connection then serves a session.
            guard case .opened = try await raw.send(openMessage()) else {
                Issue.record("open failed")
                return
            }
            guard case .verdict = try await raw.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [4]))) else {
                Issue.record("verify failed")
                return
            }
            await raw.close()
            try await expectServing(server)
        }
    }

    @Test("protocol errors in a session: not open, out-of-range ids, window, base, replayed round, context")
    func sessionErrors() async throws {
        try await withServer(limits: ServerLimits(maxWindow: 8, contextLength: 64)) { server in
            let raw = try await RawConnection.connect(server)
            expectError(try await raw.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [1]))), .notOpen)
            expectError(try await raw.send(openMessage([1, 2, 999])), .tokenOutOfRange)
            expectError(try await raw.send(openMessage([1, -5])), .tokenOutOfRange)
            expectError(try await raw.send(openMessage(Array(repeating: 1, count: 65))), .contextFull)
            expectError(try await raw.send(openMessage([])), .invalidRequest)
            expectError(try await raw.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [1]))), .notOpen)
            guard case .opened(let opened) = try await raw.send(openMessage([1, 2, 3], maxTokens: 200)) else {
                Issue.record("open failed")
                return
            }
            #expect(opened.base == 3)
            #expect(opened.limits == WireLimits(maxWindow: 8, contextLength: 64, vocabularySize: 64))
            #expect(opened.targetFingerprint == Toys.fingerprint)
            expectError(
                try await raw.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [1, 64]))), .tokenOutOfRange)
            expectError(
                try await raw.send(.verify(VerifyMessage(round: 1, base: 3, drafts: Array(repeating: 1, count: 9)))),
                .windowTooLarge)
            expectError(try await raw.send(.verify(VerifyMessage(round: 1, base: 4, drafts: [1]))), .resync)
            guard case .verdict(let v1) = try await raw.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [])))
            else {
                Issue.record("verify failed")
                return
            }
            #expect(v1.accepted == 0)
            #expect(v1.next == Toys.target.greedy(prompt: [1, 2, 3], count: 1)[0])
            // The same round again is refused, never applied twice.
            expectError(try await raw.send(.verify(VerifyMessage(round: 1, base: 4, drafts: []))), .roundOrder)
            // Fill the context: 4 agreed, 60 left; 8 drafts per round until a window no longer fits.
            var base = 4
            var round = 2
            var lastError: WireErrorCode?
            while round < 100 {
                let reply = try await raw.send(
                    .verify(VerifyMessage(round: round, base: base, drafts: Array(repeating: 0, count: 8))))
                round += 1
                switch reply {
                case .verdict(let v): base += v.accepted + 1
                case .error(let e): lastError = e.code
                default: Issue.record("unexpected \(reply)")
                }
                if lastError != nil { break }
            }
            #expect(lastError == .contextFull)
            await raw.close()
            try await expectServing(server)
        }
    }

    /// Waits until the server ends `raw`'s connection; a frame or another error instead is a failure.
    func expectConnectionEnds(_ raw: RawConnection, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            let frame = try await raw.link.receive(timeout: .seconds(30))
            Issue.record("expected the connection to end, got \(frame)", sourceLocation: sourceLocation)
        } catch ClientError.connectionLost {
        } catch {
            Issue.record("expected the connection to end, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("the session limit refuses extra sessions and frees the slot on close")
    func sessionLimit() async throws {
        try await withServer(limits: ServerLimits(maxSessions: 1)) { server in
            let first = try await RawConnection.connect(server)
            guard case .opened = try await first.send(openMessage()) else {
                Issue.record("open failed")
                return
            }
            let second = try await RawConnection.connect(server)
            expectError(try await second.send(openMessage()), .sessionLimit)
            try await first.link.send(try first.codec.encode(.close))
            // The server frees the slot before it closes the connection, so once the close has reached
            // this side the slot is free: no retries, no sleeping.
            await expectConnectionEnds(first)
            guard case .opened = try await second.send(openMessage()) else {
                Issue.record("the slot was not freed on close")
                return
            }
            await second.close()
            await first.close()
        }
    }

    @Test("an idle session expires with an error frame and the connection closes")
    func idleTimeout() async throws {
        let clock = ManualClock()
        let timeout = Duration.seconds(300)
        try await withVerifierServer(limits: ServerLimits(maxSessions: 1, idleTimeout: timeout), clock: clock) {
            server, running in
            let raw = try await RawConnection.connect(running)
            guard case .opened = try await raw.send(openMessage()) else {
                Issue.record("open failed")
                return
            }
            // Short of the timeout on the server's clock the session serves, however long that took.
            clock.advance(by: timeout - .milliseconds(1))
            guard case .verdict = try await raw.send(.verify(VerifyMessage(round: 1, base: 3, drafts: []))) else {
                Issue.record("the session expired before its timeout")
                return
            }
            // Past it, the watchdog sends the error frame, closes the connection and frees the slot.
            try await advance(clock, by: timeout) { server.currentLoad.activeSessions == 0 }
            expectError(try raw.codec.decode(try await raw.link.receive(timeout: .seconds(10))), .idleTimeout)
            await expectConnectionEnds(raw)
            // Its slot is free: a new client gets the only session.
            try await expectServing(running)
            await raw.close()
        }
    }

    @Test("a client re-opens after its idle session expired and loses no token")
    func idleRecovery() async throws {
        let clock = ManualClock()
        let timeout = Duration.seconds(400)
        try await withVerifierServer(limits: ServerLimits(idleTimeout: timeout), clock: clock) { server, running in
            let verifier = RemoteVerifier(
                .init(url: running.assistURL, draftFingerprint: Toys.fingerprint, timeout: .seconds(10)))
            _ = try await verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 10))
            let v1 = try await verifier.verify(DraftRound(round: 1, base: 3, drafts: []))
            // The session expires on the server's clock; the verifier learns it at its next round.
            try await advance(clock, by: timeout) { server.currentLoad.activeSessions == 0 }
            let v2 = try await verifier.verify(DraftRound(round: 2, base: 4, drafts: []))
            #expect([v1.next, v2.next] == Toys.target.greedy(prompt: [1, 2, 3], count: 2))
            // Exactly once: the server's clock stood still between the open and round 1.
            #expect(await verifier.reconnects == 1)
            await verifier.close()
        }
    }

    @Test("health, models and metrics answer over HTTP")
    func httpEndpoints() async throws {
        try await withServer { server in
            let (healthStatus, health) = try await httpGet(server.httpURL + "/health")
            #expect(healthStatus == 200)
            #expect(health == #"{"status":"ok"}"#)
            let (modelsStatus, models) = try await httpGet(server.httpURL + "/v1/models")
            #expect(modelsStatus == 200)
            let object = try #require(JSONSerialization.jsonObject(with: Data(models.utf8)) as? [String: Any])
            let entry = try #require((object["data"] as? [[String: Any]])?.first)
            #expect(entry["id"] as? String == "toy-target")
            #expect(entry["tokenizer_fingerprint"] as? String == Toys.fingerprint)
            #expect(entry["context_length"] as? Int == 256)
            #expect(entry["vocabulary_size"] as? Int == 64)
            try await expectServing(server)
            let (metricsStatus, metrics) = try await httpGet(server.httpURL + "/metrics")
            #expect(metricsStatus == 200)
            for name in [
                "tandem_sessions_opened_total 1", "tandem_rounds_total", "tandem_drafts_proposed_total",
                "tandem_drafts_accepted_total", "tandem_verify_seconds_bucket", "tandem_sessions_active",
            ] {
                #expect(metrics.contains(name), "missing \(name)")
            }
            let (missing, _) = try await httpGet(server.httpURL + "/nope")
            #expect(missing == 404)
        }
    }
}

@Suite("Slots", .timeLimit(.minutes(1)))
struct SlotTests {
    @Test("a refused open does not hold a session slot")
    func refusedOpenFreesSlot() async throws {
        try await withServer(limits: ServerLimits(maxSessions: 1)) { server in
            let first = try await RawConnection.connect(server)
            guard case .error = try await first.send(openMessage([1, 999])) else {
                Issue.record("bad open accepted")
                return
            }
            let second = try await RawConnection.connect(server)
            guard case .opened = try await second.send(openMessage()) else {
                Issue.record("the slot was not freed")
                return
            }
            await first.close()
            await second.close()
        }
    }
}

@Suite("Oversized frames", .timeLimit(.minutes(1)))
struct OversizeTests {
    @Test("a frame over the size limit ends only its own connection")
    func oversized() async throws {
        try await withServer { server in
            let other = try await RawConnection.connect(server)
            guard case .opened = try await other.send(openMessage()) else {
                Issue.record("open failed")
                return
            }
            let hostile = try await RawConnection.connect(server)
            let huge =
                "{\"type\":\"open\",\"v\":2,\"prompt\":["
                + String(repeating: "1,", count: WireProtocol.maxFrameBytes / 2) + "1]}"
            do {
                let reply = try await hostile.send(huge)
                if case .opened = reply { Issue.record("an oversized open was served") }
            } catch let error as ClientError {
                // The server closes a connection that sends a frame over the limit.
                #expect(error.isTransport)
            }
            // The other session on the same server is untouched.
            guard case .verdict = try await other.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [1]))) else {
                Issue.record("the other session stopped being served")
                return
            }
            await hostile.close()
            await other.close()
        }
    }
}
