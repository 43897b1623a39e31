import TandemDecoding
import TandemLoopbackSupport
import TandemServer
import TandemTestSupport
import TandemWire
import TandemWireConversions
import Testing

@testable import TandemClient

@Suite("Cloud-only generation (generate) over a loopback server", .timeLimit(.minutes(2)))
struct CloudOnlyGenerationTests {
    @Test("the streamed output equals target-only decoding over the same server, token for token")
    func equalsTargetOnly() async throws {
        for prompt in [[1, 5, 9], [3], [40, 41, 42, 43]] {
            let (cloud, targetOnly, streamed) = try await withServer { server in
                let generator = CloudOnlyGenerator(
                    url: server.assistURL, fingerprint: Toys.fingerprint, timeout: .seconds(10))
                var streamed: [Int] = []
                var result: GenerationResult?
                for try await event in generator.generate(SessionRequest(prompt: prompt, maxTokens: 40)) {
                    switch event {
                    case .token(let id): streamed.append(id)
                    case .finished(let r): result = r
                    }
                }
                let verifier = RemoteVerifier(
                    .init(url: server.assistURL, draftFingerprint: Toys.fingerprint, timeout: .seconds(10)))
                let baseline = try await TargetOnlyGenerator(verifier: verifier).run(
                    SessionRequest(prompt: prompt, maxTokens: 40))
                return (try #require(result), baseline, streamed)
            }
            #expect(cloud.tokens == targetOnly.tokens, "prompt \(prompt)")
            #expect(cloud.tokens == Toys.target.greedy(prompt: prompt, count: 40))
            #expect(streamed == cloud.tokens)
            #expect(cloud.finishReason == .maxTokens)
            let c = cloud.counters
            #expect(c.rounds == 40 && c.cloudPasses == 40 && c.cloudPositions == 40, "one server pass per token")
            #expect(c.proposed == 0 && c.accepted == 0)
            #expect(c.wireBytes > 0)
            #expect(c.verifySeconds > 0)
            #expect(c.serverCPUSeconds >= 0 && c.serverCPUSeconds <= c.verifySeconds + 0.5)
            #expect(c.firstTokenCount == 1 && c.firstTokenSeconds > 0 && c.firstTokenSeconds <= c.wallSeconds)
            // Streaming: far fewer bytes than one verify/verdict exchange per token.
            #expect(cloud.stats.bytesPerToken < targetOnly.stats.bytesPerToken)
        }
    }

    @Test("a stop token ends the stream with the token emitted")
    func stopToken() async throws {
        let prompt = [2, 4, 6]
        let reference = Toys.target.greedy(prompt: prompt, count: 30)
        let stop = reference[7]
        let expected = Array(reference[...(reference.firstIndex(of: stop) ?? 7)])
        let result = try await withServer { server in
            try await CloudOnlyGenerator(url: server.assistURL, fingerprint: Toys.fingerprint, timeout: .seconds(10))
                .run(SessionRequest(prompt: prompt, maxTokens: 30, stopTokens: [stop]))
        }
        #expect(result.tokens == expected)
        #expect(result.finishReason == .stopToken(stop))
    }

    @Test("generate before open is refused with not_open, and the connection keeps serving")
    func generateBeforeOpen() async throws {
        try await withServer { server in
            let raw = try await RawConnection.connect(server)
            let reply = try await raw.send(.generate(GenerateMessage(round: 1, base: 3)))
            guard case .error(let e) = reply else {
                Issue.record("expected an error, got \(reply)")
                return
            }
            #expect(e.code == .notOpen)
            guard case .opened = try await raw.send(openMessage([1, 2, 3], maxTokens: 2)) else {
                Issue.record("open after a refused generate failed")
                return
            }
            await raw.close()
        }
    }

    @Test("generate streams one verdict per token over a raw connection; a wrong base is a resync error")
    func rawStream() async throws {
        try await withServer { server in
            let raw = try await RawConnection.connect(server)
            guard case .opened = try await raw.send(openMessage([1, 2, 3], maxTokens: 4)) else {
                Issue.record("open failed")
                return
            }
            let wrong = try await raw.send(.generate(GenerateMessage(round: 1, base: 7)))
            guard case .error(let e) = wrong else {
                Issue.record("expected resync, got \(wrong)")
                return
            }
            #expect(e.code == .resync)

            guard case .verdict(let first) = try await raw.send(.generate(GenerateMessage(round: 2, base: 3))) else {
                Issue.record("no verdict")
                return
            }
            var verdicts = [first]
            while verdicts.last?.finished == false, verdicts.count < 10 {
                guard case .verdict(let v) = try raw.codec.decode(try await raw.link.receive(timeout: .seconds(10)))
                else { break }
                verdicts.append(v)
            }
            #expect(verdicts.map(\.round) == [2, 3, 4, 5])
            #expect(verdicts.allSatisfy { $0.accepted == 0 })
            #expect(verdicts.map(\.finished) == [false, false, false, true])
            #expect(verdicts.map(\.next) == Toys.target.greedy(prompt: [1, 2, 3], count: 4))
            // The session is finished: a further generate is refused.
            guard case .error(let done) = try await raw.send(.generate(GenerateMessage(round: 6, base: 7))) else {
                Issue.record("a finished session accepted generate")
                return
            }
            #expect(done.code == .sessionFinished)
            await raw.close()
        }
    }
}
