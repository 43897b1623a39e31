import Foundation
import TandemTestSupport
import Testing

@testable import TandemDecoding

/// A toy session that also hands out hidden states: per position, [1 if the token it follows is even
/// else 0, 1] — so a router can be written by hand that routes exactly after even tokens.
final class ParityHiddenSession: HiddenStateSession {
    let inner: ToySession
    init(_ inner: ToySession) { self.inner = inner }
    var vocabularySize: Int { inner.vocabularySize }
    var contextLength: Int { inner.contextLength }
    var count: Int { inner.count }
    func evaluate(_ tokens: [Int]) throws -> [[Float]] { try inner.evaluate(tokens) }
    func prefill(_ tokens: [Int]) throws { try inner.prefill(tokens) }
    func truncate(to count: Int) throws { try inner.truncate(to: count) }
    func evaluateWithHiddenStates(_ tokens: [Int]) throws -> (logits: [[Float]], hidden: [[Float]]) {
        (try inner.evaluate(tokens), tokens.map { [$0 % 2 == 0 ? 1 : 0, 1] })
    }
}

@Suite("Learned router")
struct LearnedRouterTests {
    static let target = RoutingTests.target
    static let draft = RoutingTests.draft
    static let prompt = RoutingTests.prompt

    /// A router over ParityHiddenSession's two hidden values: confidence sigmoid(bias + parityWeight · h₀).
    static func router(bias: Float, parityWeight: Float = 0) -> LearnedRouter {
        LearnedRouter(
            hiddenSize: 2, mean: Array(repeating: 0, count: 5), scale: Array(repeating: 1, count: 5),
            weights: [parityWeight, 0, 0, 0, 0], bias: bias)
    }

    func run(_ router: LearnedRouter, session: sending some LanguageModelSession, verifier: ScriptedRouter) async throws
        -> GenerationResult
    {
        let generator = RoutedGenerator(
            draft: session, verifier: verifier,
            configuration: .init(
                policy: RoutingPolicy(threshold: 0.5), routeTimeout: .seconds(30), retryAfter: .milliseconds(20),
                router: router))
        return try await generator.run(SessionRequest(prompt: Self.prompt, maxTokens: 40))
    }

    @Test("a router sure of nothing routes every position: the target's greedy output")
    func routesAll() async throws {
        let verifier = ScriptedRouter(target: Self.target)
        let result = try await run(
            Self.router(bias: -20), session: ParityHiddenSession(Self.draft.makeSession()), verifier: verifier)
        #expect(result.tokens == Self.target.greedy(prompt: Self.prompt, count: 40))
        #expect(result.counters.routedPositions == result.tokens.count)
    }

    @Test("a router sure of everything routes nothing: the draft's greedy output")
    func routesNone() async throws {
        let verifier = ScriptedRouter(target: Self.target)
        let result = try await run(
            Self.router(bias: 20), session: ParityHiddenSession(Self.draft.makeSession()), verifier: verifier)
        #expect(result.tokens == Self.draft.greedy(prompt: Self.prompt, count: 40))
        #expect(result.counters.routedPositions == 0)
        #expect(verifier.routes.isEmpty)
    }

    @Test("the router reads the hidden state: it routes exactly the positions after an even token")
    func readsHiddenState() async throws {
        let verifier = ScriptedRouter(target: Self.target)
        let result = try await run(
            Self.router(bias: 20, parityWeight: -40), session: ParityHiddenSession(Self.draft.makeSession()),
            verifier: verifier)
        let preceding = [Self.prompt[Self.prompt.count - 1]] + result.tokens.dropLast()
        let expected = preceding.filter { $0 % 2 == 0 }.count
        #expect(expected > 0 && expected < result.tokens.count, "the test needs both kinds of positions")
        #expect(result.counters.routedPositions == expected)
        #expect(result.tokens != Self.draft.greedy(prompt: Self.prompt, count: 40))
    }

    @Test("a draft session without hidden states cannot use a router: a typed error, not a crash")
    func needsHiddenStates() async throws {
        let verifier = ScriptedRouter(target: Self.target)
        await #expect(throws: GenerationError.self) {
            _ = try await run(Self.router(bias: 0), session: Self.draft.makeSession(), verifier: verifier)
        }
    }

    @Test("decode checks the file: JSON, vector lengths, finite values, positive scales")
    func decodeValidates() throws {
        let good = Self.router(bias: 1)
        let data = try JSONEncoder().encode(good)
        #expect(try LearnedRouter.decode(data) == good)
        #expect(String(decoding: data, as: UTF8.self).contains("\"hidden_size\":2"))
        for bad in [
            "not json", "{}",
            #"{"hidden_size":2,"mean":[0,0,0,0],"scale":[1,1,1,1,1],"weights":[0,0,0,0,0],"bias":0}"#,
            #"{"hidden_size":2,"mean":[0,0,0,0,0],"scale":[1,1,0,1,1],"weights":[0,0,0,0,0],"bias":0}"#,
            #"{"hidden_size":0,"mean":[0,0,0],"scale":[1,1,1],"weights":[0,0,0],"bias":0}"#,
        ] {
            #expect(throws: GenerationError.self, "\(bad)") { try LearnedRouter.decode(Data(bad.utf8)) }
        }
        #expect(throws: GenerationError.self) { try good.confidence(features: [1, 2, 3]) }
    }

    @Test("confidence is the logistic of the standardized features' weighted sum")
    func confidenceFormula() throws {
        let router = LearnedRouter(
            hiddenSize: 1, mean: [1, 0, 0, 0], scale: [2, 1, 1, 1], weights: [0.5, 1, 0, 0], bias: -1)
        // z = -1 + 0.5 · (5 − 1) / 2 + 1 · 0.25 = 0.25
        let p = try router.confidence(features: [5, 0.25, 0.9, 0.9])
        #expect(abs(p - 1 / (1 + exp(-0.25))) < 1e-9)
        let features = LearnedRouter.features(hidden: [7], probabilities: [0.5, 0.25, 0.25])
        #expect(features.count == 4 && features[0] == 7 && features[1] == 0.5 && features[2] == 0.25)
    }
}
