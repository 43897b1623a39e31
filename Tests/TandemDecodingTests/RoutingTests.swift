import Foundation
import Synchronization
import TandemTestSupport
import Testing

@testable import TandemDecoding

/// A routing verifier over an in-process one that logs every answered route and can delay or refuse.
final class ScriptedRouter: RoutingVerifier {
    struct Refused: Error {}

    let inner: InProcessVerifier
    let delay: Duration
    let refuse: Bool
    private let log = Mutex<[(request: RouteRequest, answer: RouteAnswer)]>([])

    init(target: ToyModel, delay: Duration = .zero, refuse: Bool = false, recorder: SessionRecorder = SessionRecorder())
    {
        inner = InProcessVerifier(session: target.makeSession(recorder: recorder))
        self.delay = delay
        self.refuse = refuse
    }

    var routes: [(request: RouteRequest, answer: RouteAnswer)] { log.withLock { $0 } }

    func open(_ request: SessionRequest) async throws -> SessionInfo {
        if refuse { throw Refused() }
        return try await inner.open(request)
    }

    func verify(_ round: DraftRound) async throws -> Verdict { try await inner.verify(round) }

    func route(_ request: RouteRequest) async throws -> RouteAnswer {
        if refuse { throw Refused() }
        if delay > .zero { try await Task.sleep(for: delay) }
        let answer = try await inner.route(request)
        log.withLock { $0.append((request, answer)) }
        return answer
    }

    func close() async { await inner.close() }
}

@Suite("Token-level routing")
struct RoutingTests {
    static let target = ToyModel.hashed(vocabularySize: 32, seed: 11, scale: 8)
    static let draft = ToyModel.perturbed(target, disagreement: 0.35)
    static let prompt = [3, 1, 4]

    func generator(
        _ verifier: any RoutingVerifier, threshold: Double, score: ConfidenceScore = .topProbability,
        span: Int = 1, budget: Double = 1, lookahead: Int = 8, timeout: Duration = .seconds(30),
        draftRecorder: SessionRecorder = SessionRecorder()
    ) -> RoutedGenerator {
        RoutedGenerator(
            draft: Self.draft.makeSession(recorder: draftRecorder), verifier: verifier,
            configuration: .init(
                policy: RoutingPolicy(score: score, threshold: threshold, budget: budget),
                span: span, lookahead: lookahead, routeTimeout: timeout, retryAfter: .milliseconds(20)))
    }

    @Test(
        "threshold 0 routes nothing: the output is the draft's own greedy output", arguments: ConfidenceScore.allCases)
    func thresholdZero(score: ConfidenceScore) async throws {
        let router = ScriptedRouter(target: Self.target)
        let result = try await generator(router, threshold: 0, score: score).run(
            SessionRequest(prompt: Self.prompt, maxTokens: 40))
        #expect(result.tokens == Self.draft.greedy(prompt: Self.prompt, count: 40))
        #expect(
            result.tokens != Self.target.greedy(prompt: Self.prompt, count: 40),
            "the pair must differ for the test to mean anything")
        #expect(result.counters.routedPositions == 0)
        #expect(result.counters.cloudPasses == 0)
        #expect(result.stats.routedFraction == 0)
        #expect(router.routes.isEmpty)
    }

    @Test("threshold 1 routes every position: the output is the target's greedy output", arguments: [1, 3])
    func thresholdOne(span: Int) async throws {
        for score in ConfidenceScore.allCases {
            let router = ScriptedRouter(target: Self.target)
            let result = try await generator(router, threshold: 1, score: score, span: span)
                .run(SessionRequest(prompt: Self.prompt, maxTokens: 40))
            #expect(result.tokens == Self.target.greedy(prompt: Self.prompt, count: 40), "score \(score), span \(span)")
            #expect(result.counters.routeFallbacks == 0)
            #expect(result.counters.routeReplaced > 0)
            if span == 1 {
                #expect(result.counters.routedPositions == 40)
                #expect(result.stats.routedFraction == 1)
            } else {
                // Each answer covers `span` positions; only the next one is routed again.
                #expect(result.counters.routedPositions == router.routes.count)
                #expect(result.counters.routedPositions < 40)
            }
            #expect(router.routes.allSatisfy { $0.answer.tokens.count <= span })
        }
    }

    @Test("a routed position's token is always the target's", arguments: [1, 2])
    func routedTokensAreTargets(span: Int) async throws {
        var partial = 0
        for score in ConfidenceScore.allCases {
            for threshold in [0.05, 0.15, 0.2, 0.25, 0.3, 0.5] {
                let router = ScriptedRouter(target: Self.target)
                let result = try await generator(router, threshold: threshold, score: score, span: span)
                    .run(SessionRequest(prompt: Self.prompt, maxTokens: 48))
                let tokens = result.tokens
                #expect(result.counters.routedPositions == router.routes.count)
                for (request, answer) in router.routes {
                    let position = request.base + request.tokens.count - Self.prompt.count
                    for (j, token) in answer.tokens.enumerated() where position + j < tokens.count {
                        #expect(tokens[position + j] == token)
                        let context = Self.prompt + tokens[..<(position + j)]
                        #expect(token == argmax(Self.target.logits(context)), "score \(score), threshold \(threshold)")
                    }
                    // What the client sent is exactly its output since the server's last token.
                    let start = request.base - Self.prompt.count
                    #expect(Array(tokens[start..<position]) == request.tokens)
                }
                if result.counters.routedPositions > 0, result.counters.routedPositions < tokens.count * 3 / 4 {
                    partial += 1
                }
            }
        }
        // The check means something only where some positions are routed and most are not.
        #expect(partial >= 3)
    }

    @Test("the pipeline never emits a token it later replaces, with answers delayed")
    func pipelineInvariant() async throws {
        let request = SessionRequest(prompt: Self.prompt, maxTokens: 48)
        let reference = try await generator(ScriptedRouter(target: Self.target), threshold: 0.5).run(request)
        #expect(reference.counters.routeReplaced > 0)
        for lookahead in [0, 3, 8] {
            let recorder = SessionRecorder()
            let router = ScriptedRouter(target: Self.target, delay: .milliseconds(25))
            var emitted: [Int] = []
            var final: GenerationResult?
            for try await event in generator(router, threshold: 0.5, lookahead: lookahead, draftRecorder: recorder)
                .generate(request)
            {
                switch event {
                case .token(let token):
                    #expect(final == nil)
                    emitted.append(token)
                case .finished(let result):
                    final = result
                }
            }
            let result = try #require(final)
            #expect(emitted == result.tokens, "lookahead \(lookahead)")
            #expect(result.tokens == reference.tokens, "lookahead \(lookahead)")
            #expect(result.counters.routeReplaced == reference.counters.routeReplaced)
            #expect(result.counters.routeFallbacks == 0)
            if lookahead > 0 {
                // The draft generated past routed positions and rolled back where the cloud differed.
                let counts = recorder.snapshot.counts
                let rolledBack = zip(counts, counts.dropFirst()).contains { $0 > $1 }
                #expect(rolledBack, "lookahead \(lookahead)")
            }
        }
    }

    @Test("a verifier that refuses everything: the generation completes with the draft's tokens and counts fallbacks")
    func unreachable() async throws {
        let router = ScriptedRouter(target: Self.target, refuse: true)
        let result = try await generator(router, threshold: 0.5).run(SessionRequest(prompt: Self.prompt, maxTokens: 40))
        #expect(result.tokens == Self.draft.greedy(prompt: Self.prompt, count: 40))
        #expect(result.counters.routedPositions > 0)
        #expect(result.counters.routeFallbacks == result.counters.routedPositions)
        #expect(result.counters.cloudPasses == 0)
    }

    @Test("an answer later than the route timeout: the draft's token is kept and counted")
    func lateAnswer() async throws {
        let router = ScriptedRouter(target: Self.target, delay: .seconds(5))
        let result = try await generator(router, threshold: 0.5, timeout: .milliseconds(40))
            .run(SessionRequest(prompt: Self.prompt, maxTokens: 24))
        #expect(result.tokens == Self.draft.greedy(prompt: Self.prompt, count: 24))
        #expect(result.counters.routeFallbacks > 0)
        #expect(result.counters.routeFallbacks == result.counters.routedPositions)
        #expect(result.stats.routeFallbacks == result.counters.routeFallbacks)
    }

    @Test("the budget caps the routed share even when every position is uncertain")
    func budget() async throws {
        for budget in [0.05, 0.1, 0.25] {
            let router = ScriptedRouter(target: Self.target)
            let result = try await generator(router, threshold: 1, budget: budget).run(
                SessionRequest(prompt: Self.prompt, maxTokens: 60))
            #expect(result.tokens.count == 60)
            #expect(result.counters.routedPositions >= 1)
            #expect(result.stats.routedFraction <= budget + 1e-9, "budget \(budget)")
            #expect(result.counters.routedPositions == Int((budget * 60 + 1e-9).rounded(.down)), "budget \(budget)")
        }
    }

    @Test("stop tokens end a routed generation, whoever produced them")
    func stopToken() async throws {
        let full = Self.target.greedy(prompt: Self.prompt, count: 40)
        let stop = full[17]
        let expected = Array(full.prefix(through: try #require(full.firstIndex(of: stop))))
        let result = try await generator(ScriptedRouter(target: Self.target), threshold: 1)
            .run(SessionRequest(prompt: Self.prompt, maxTokens: 40, stopTokens: [stop]))
        #expect(result.tokens == expected)
        #expect(result.finishReason == .stopToken(stop))
    }
}

@Suite("Confidence scores and the routing policy")
struct RoutingPolicyTests {
    @Test("scores of known distributions")
    func knownScores() {
        let oneHot: [Float] = [0, 0, 1, 0]
        for score in ConfidenceScore.allCases { #expect(score.confidence(oneHot) == 1, "\(score)") }
        let uniform = [Float](repeating: 0.25, count: 4)
        #expect(abs(ConfidenceScore.topProbability.confidence(uniform) - 0.25) < 1e-9)
        #expect(ConfidenceScore.margin.confidence(uniform) == 0)
        #expect(abs(ConfidenceScore.entropy.confidence(uniform)) < 1e-6)
        let p: [Float] = [0.2, 0.5, 0.3]
        #expect(abs(ConfidenceScore.topProbability.confidence(p) - 0.5) < 1e-6)
        #expect(abs(ConfidenceScore.margin.confidence(p) - 0.2) < 1e-6)
        let h = -(0.2 * log(0.2) + 0.5 * log(0.5) + 0.3 * log(0.3))
        #expect(abs(ConfidenceScore.entropy.confidence(p) - (1 - h / log(3.0))) < 1e-6)
        // Unnormalised input is renormalised; an empty or massless one scores 0.
        #expect(abs(ConfidenceScore.topProbability.confidence([2, 6, 2]) - 0.6) < 1e-6)
        for score in ConfidenceScore.allCases { #expect(score.confidence([0, 0]) == 0) }
        let soft = ConfidenceScore.softmax([1, 2, 3])
        #expect(abs(soft.reduce(0, +) - 1) < 1e-6)
        #expect(soft[2] > soft[1] && soft[1] > soft[0])
    }

    @Test("threshold 0 never routes, threshold 1 routes even a certain position, the budget counts the position")
    func policy() throws {
        #expect(!RoutingPolicy(threshold: 0).isUncertain(0))
        #expect(RoutingPolicy(threshold: 1).isUncertain(1))
        #expect(RoutingPolicy(threshold: 0.4).isUncertain(0.39))
        #expect(!RoutingPolicy(threshold: 0.4).isUncertain(0.4))
        let capped = RoutingPolicy(threshold: 1, budget: 0.1)
        #expect(!capped.budgetAllows(routed: 0, generated: 8))
        #expect(capped.budgetAllows(routed: 0, generated: 9))
        #expect(!capped.budgetAllows(routed: 1, generated: 10))
        #expect(capped.budgetAllows(routed: 1, generated: 19))
        #expect(throws: GenerationError.self) { try RoutingPolicy(threshold: 1.5).validate() }
        #expect(throws: GenerationError.self) { try RoutingPolicy(threshold: 0.5, budget: -0.1).validate() }
        #expect(throws: GenerationError.self) { try RoutingPolicy(threshold: .nan).validate() }
        try RoutingPolicy(threshold: 1, budget: 0).validate()
    }
}

@Suite("In-process route: one pass over the client's tokens, typed errors")
struct InProcessRouteTests {
    static let target = ToyModel.hashed(vocabularySize: 32, seed: 5, scale: 4)

    @Test("appends the tokens in one pass and answers the target's next tokens")
    func route() async throws {
        let recorder = SessionRecorder()
        let verifier = InProcessVerifier(session: Self.target.makeSession(recorder: recorder))
        let prompt = [1, 2, 3]
        _ = try await verifier.open(SessionRequest(prompt: prompt, maxTokens: 30))
        let passesBefore = recorder.snapshot.passes.count
        let answer = try await verifier.route(RouteRequest(round: 1, base: 3, tokens: [7, 8, 9], span: 3))
        #expect(answer.round == 1)
        #expect(answer.tokens == Self.target.greedy(prompt: prompt + [7, 8, 9], count: 3))
        #expect(!answer.finished)
        #expect(Array(recorder.snapshot.passes.dropFirst(passesBefore)) == [4, 1, 1])
        // The last answered token is pending: the cache holds everything before it.
        #expect(recorder.snapshot.counts.last == prompt.count + 3 + 2)
        let next = try await verifier.route(RouteRequest(round: 2, base: 3 + 3 + 3, tokens: [], span: 1))
        #expect(next.tokens == Self.target.greedy(prompt: prompt + [7, 8, 9] + answer.tokens, count: 1))
        // A verification round continues from the routed sequence.
        let verdict = try await verifier.verify(DraftRound(round: 3, base: 10, drafts: []))
        #expect(
            verdict.next == Self.target.greedy(prompt: prompt + [7, 8, 9] + answer.tokens + next.tokens, count: 1)[0])
    }

    @Test("the session's token limit cuts the span and finishes the session")
    func limit() async throws {
        let verifier = InProcessVerifier(session: Self.target.makeSession())
        _ = try await verifier.open(SessionRequest(prompt: [1], maxTokens: 5))
        let answer = try await verifier.route(RouteRequest(round: 1, base: 1, tokens: [4, 5], span: 8))
        #expect(answer.tokens.count == 3)
        #expect(answer.finished)
        await #expect(throws: GenerationError.sessionFinished) {
            try await verifier.route(RouteRequest(round: 2, base: 6, tokens: [], span: 1))
        }
    }

    @Test("bad requests get typed errors and leave the session usable")
    func errors() async throws {
        let verifier = InProcessVerifier(session: Self.target.makeSession())
        await #expect(throws: GenerationError.notOpen) {
            try await verifier.route(RouteRequest(round: 1, base: 1, tokens: []))
        }
        _ = try await verifier.open(SessionRequest(prompt: [1, 2], maxTokens: 10, stopTokens: [31]))
        await #expect(throws: GenerationError.baseMismatch(expected: 2, got: 5)) {
            try await verifier.route(RouteRequest(round: 1, base: 5, tokens: []))
        }
        await #expect(throws: GenerationError.tokenOutOfRange(token: 32, vocabularySize: 32)) {
            try await verifier.route(RouteRequest(round: 1, base: 2, tokens: [4, 32]))
        }
        await #expect(throws: GenerationError.invalidLimit(name: "route span", reason: "must be ≥ 1, got 0")) {
            try await verifier.route(RouteRequest(round: 1, base: 2, tokens: [], span: 0))
        }
        await #expect(throws: GenerationError.self) {
            try await verifier.route(RouteRequest(round: 1, base: 2, tokens: [31, 4]))
        }
        await #expect(throws: GenerationError.windowTooLarge(requested: 10, limit: 9)) {
            try await verifier.route(RouteRequest(round: 1, base: 2, tokens: Array(repeating: 4, count: 10)))
        }
        let answer = try await verifier.route(RouteRequest(round: 4, base: 2, tokens: [4]))
        #expect(answer.tokens == Self.target.greedy(prompt: [1, 2, 4], count: 1))
        await #expect(throws: GenerationError.roundOutOfOrder(last: 4, got: 4)) {
            try await verifier.route(RouteRequest(round: 4, base: 4, tokens: []))
        }
    }
}
