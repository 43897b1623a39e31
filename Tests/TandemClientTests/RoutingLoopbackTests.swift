import Foundation
import TandemDecoding
import TandemLoopbackSupport
import TandemModel
import TandemModelAdapter
import TandemServer
import TandemTestSupport
import TandemTokenizer
import TandemWire
import TandemWireConversions
import Testing

@testable import TandemClient

@Suite("Token-level routing over a loopback server", .serialized, .timeLimit(.minutes(3)))
struct RoutingLoopbackTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func expectError(_ reply: WireMessage, _ code: WireErrorCode, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .error(let e) = reply else {
            Issue.record("expected error \(code), got \(reply)", sourceLocation: sourceLocation)
            return
        }
        #expect(e.code == code, "\(e.message)", sourceLocation: sourceLocation)
    }

    func routedClient(_ url: String, threshold: Double, span: Int = 1, draft: ToyModel = Toys.draft) -> (
        RoutedGenerator, RemoteVerifier
    ) {
        let verifier = RemoteVerifier(
            .init(
                url: url, draftFingerprint: Toys.fingerprint, draftModel: "toy-draft",
                timeout: .seconds(10), maxReconnects: 1))
        let generator = RoutedGenerator(
            draft: draft.makeSession(), verifier: verifier,
            configuration: .init(
                policy: RoutingPolicy(threshold: threshold), span: span,
                routeTimeout: .seconds(20)))
        return (generator, verifier)
    }

    @Test("bad extend frames get typed errors; a good one gets the target's tokens")
    func badExtend() async throws {
        try await withServer(limits: ServerLimits(maxWindow: 8, contextLength: 64)) { server in
            let raw = try await RawConnection.connect(server)
            expectError(try await raw.send(.extend(ExtendMessage(round: 1, base: 3, tokens: [1]))), .notOpen)
            guard case .opened = try await raw.send(openMessage([1, 2, 3], maxTokens: 40)) else {
                Issue.record("open failed")
                return
            }
            expectError(try await raw.send(.extend(ExtendMessage(round: 1, base: 7, tokens: [1]))), .resync)
            expectError(
                try await raw.send(.extend(ExtendMessage(round: 1, base: 3, tokens: [1, 64]))), .tokenOutOfRange)
            expectError(
                try await raw.send(.extend(ExtendMessage(round: 1, base: 3, tokens: [1, -1]))), .tokenOutOfRange)
            expectError(
                try await raw.send(.extend(ExtendMessage(round: 1, base: 3, tokens: [], span: 0))), .invalidRequest)
            expectError(
                try await raw.send(.extend(ExtendMessage(round: 1, base: 3, tokens: [], span: 9))), .invalidRequest)
            expectError(
                try await raw.send(.extend(ExtendMessage(round: 1, base: 3, tokens: Array(repeating: 5, count: 61)))),
                .contextFull)
            expectError(try await raw.send(.routed(RoutedMessage(round: 1, tokens: [1], finished: false))), .badFrame)
            guard
                case .routed(let answer) = try await raw.send(
                    .extend(ExtendMessage(round: 2, base: 3, tokens: [5, 6], span: 2)))
            else {
                Issue.record("extend failed")
                return
            }
            #expect(answer.round == 2)
            #expect(answer.tokens == Toys.target.greedy(prompt: [1, 2, 3, 5, 6], count: 2))
            expectError(try await raw.send(.extend(ExtendMessage(round: 2, base: 7, tokens: []))), .roundOrder)
            await raw.close()
        }
    }

    @Test("toy pair: threshold 1 gives the target's greedy output, threshold 0 the draft's, over the socket")
    func toyPair() async throws {
        let prompt = [2, 7, 1]
        try await withServer { server in
            let (all, allVerifier) = routedClient(server.assistURL, threshold: 1)
            let routed = try await all.run(SessionRequest(prompt: prompt, maxTokens: 40))
            #expect(routed.tokens == Toys.target.greedy(prompt: prompt, count: 40))
            #expect(routed.counters.routedPositions == 40)
            #expect(routed.stats.bytesPerToken > 0)
            #expect(await allVerifier.reconnects == 0)
            let (none, _) = routedClient(server.assistURL, threshold: 0)
            let alone = try await none.run(SessionRequest(prompt: prompt, maxTokens: 40))
            #expect(alone.tokens == Toys.draft.greedy(prompt: prompt, count: 40))
            #expect(alone.counters.routedPositions == 0)
            let (spanned, _) = routedClient(server.assistURL, threshold: 1, span: 4)
            let burst = try await spanned.run(SessionRequest(prompt: prompt, maxTokens: 40))
            #expect(burst.tokens == Toys.target.greedy(prompt: prompt, count: 40))
            #expect(burst.counters.routedPositions <= 10)
        }
    }

    @Test("an unreachable server: the generation completes with the draft's tokens and counts fallbacks")
    func unreachable() async throws {
        // A port that just had a server on it and now has none.
        let url = try await withServer { server in server.assistURL }
        let (generator, _) = routedClient(url, threshold: 0.5)
        let prompt = [4, 4, 2]
        let result = try await generator.run(SessionRequest(prompt: prompt, maxTokens: 30))
        #expect(result.tokens == Toys.draft.greedy(prompt: prompt, count: 30))
        #expect(result.counters.routedPositions > 0)
        #expect(result.counters.routeFallbacks == result.counters.routedPositions)
        #expect(result.stats.cloudPassesPerToken == 0)
    }

    @Test("bundled pair end to end: routing every position reproduces the target, routing none the draft")
    func bundledPair() async throws {
        let models = Self.repositoryRoot.appendingPathComponent("Models")
        let target = try Model(path: models.appendingPathComponent("target.gguf").path, threads: 1)
        let draft = try Model(path: models.appendingPathComponent("draft.gguf").path, threads: 1)
        let tokenizer = try Tokenizer(gguf: draft.file)
        let prompt = tokenizer.encode("Return the")
        let expectedTarget = try await RealModels.targetGreedy(target, prompt: prompt, count: 24)
        let draftAlone = try await RealModels.targetGreedy(draft, prompt: prompt, count: 24)
        #expect(expectedTarget != draftAlone)
        let model = TargetModel(model: target, id: "target.gguf", tokenizer: try Tokenizer(gguf: target.file))
        try await withServer(model: model) { server in
            for (threshold, expected) in [(1.0, expectedTarget), (0.0, draftAlone)] {
                let client = RoutedClient(
                    draft: draft, draftName: "draft.gguf", tokenizer: tokenizer, server: server.assistURL,
                    configuration: .init(policy: RoutingPolicy(threshold: threshold), routeTimeout: .seconds(30)))
                var streamed: [Int] = []
                var final: GenerationResult?
                for try await event in client.generate(SessionRequest(prompt: prompt, maxTokens: 24)) {
                    switch event {
                    case .token(let id, _): streamed.append(id)
                    case .finished(let result, _): final = result
                    }
                }
                let result = try #require(final)
                #expect(result.tokens == expected, "threshold \(threshold)")
                #expect(streamed == result.tokens)
                #expect(result.stats.routedFraction == threshold)
                #expect(result.counters.routeFallbacks == 0)
            }
        }
    }
}
