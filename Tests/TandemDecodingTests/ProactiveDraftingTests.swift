import Synchronization
import TandemTestSupport
import Testing

@testable import TandemDecoding

/// Proactive drafting in-process: the drafter drafts the next window while the round is verified; the
/// output must not change whatever the verdict says, and a miss must roll the drafter back exactly.
@Suite struct ProactiveDraftingTests {
    static let target = ToyModel.hashed(vocabularySize: 32, seed: 1, scale: 4)
    static let draft = ToyModel.perturbed(target, disagreement: 0.3)
    /// A draft whose every token the target rejects: every speculation is a miss.
    static let alwaysWrong = ToyModel.perturbed(target, disagreement: 1)
    static let exactHead = target.withEarlyExit(target)
    static let roughHead = target.withEarlyExit(ToyModel.perturbed(target, disagreement: 0.25, seed: 5))
    static let wrongHead = target.withEarlyExit(ToyModel.perturbed(target, disagreement: 1, seed: 5))
    static let prompt = [3, 17, 5]

    static func policies() -> [(String, any WindowPolicy)] {
        [1, 2, 4, 8].map { ("fixed \($0)", FixedWindow($0) as any WindowPolicy) }
            + [
                ("doubling", DoublingWindow()), ("adaptive", CostModelWindow()),
                (
                    "adaptive stopping",
                    ConfidenceStoppingWindow(costModel: CostModelWindow(minWindow: 1, maxWindow: 16))
                ),
            ]
    }

    /// A generator whose verifier holds each round until the drafter has started speculating on it, so
    /// every speculation's assumption is fixed before its verdict (that is the overlap under test: were
    /// drafting not concurrent with the wait for the verdict, no round would ever hit).
    static func gated(
        target: ToyModel, draft: ToyModel, policy: any WindowPolicy, maxTokens: Int,
        proposalTopK: Int = 8, preemptive: Bool = false
    ) -> AssistedGenerator {
        let drafter = SpeculationCountingDrafter(ModelDrafter(session: draft.makeSession(), proposalTopK: proposalTopK))
        let verifier = SpeculationGatedVerifier(
            InProcessVerifier(session: target.makeSession(), maxWindow: 16), drafter: drafter)
        return AssistedGenerator(
            drafter: drafter, verifier: verifier, policy: policy, preemptive: preemptive, proactive: true)
    }

    @Test func greedyOutputWithEqualsWithoutEqualsTheTargetsAtEveryWindow() async throws {
        let reference = Self.target.greedy(prompt: Self.prompt, count: 48)
        let request = SessionRequest(prompt: Self.prompt, maxTokens: 48)
        for (name, policy) in Self.policies() {
            let plain = try await makeAssisted(target: Self.target, draft: Self.draft, policy: policy).run(request)
            let proactive = try await makeAssisted(
                target: Self.target, draft: Self.draft, policy: policy, proactive: true
            ).run(request)
            let gated = try await Self.gated(target: Self.target, draft: Self.draft, policy: policy, maxTokens: 48).run(
                request)
            #expect(plain.tokens == reference, "\(name)")
            #expect(proactive.tokens == reference, "\(name)")
            #expect(gated.tokens == reference, "\(name), gated")
            let s = gated.counters
            #expect(s.proactiveRounds > 0, "\(name): no speculative window was started")
            #expect(s.proactiveRounds <= s.rounds)
            #expect(s.proactiveHits > 0 && s.proactiveHits <= s.proactiveRounds, "\(name): \(s.proactiveHits) hits")
            #expect(s.proactiveReusedDrafts > 0, "\(name)")
            #expect(gated.stats.proactiveHitRate != nil && gated.stats.proactiveHiddenMs != nil)
            #expect(plain.stats.proactiveRounds == nil && plain.stats.proactiveHitRate == nil, "absent when off")
        }
    }

    @Test func aDraftEqualToTheTargetHitsEveryRound() async throws {
        let reference = Self.target.greedy(prompt: Self.prompt, count: 40)
        for (name, policy) in Self.policies() {
            let result = try await Self.gated(target: Self.target, draft: Self.target, policy: policy, maxTokens: 40)
                .run(SessionRequest(prompt: Self.prompt, maxTokens: 40))
            #expect(result.tokens == reference, "\(name)")
            let s = result.counters
            #expect(s.proactiveRounds > 0, "\(name)")
            #expect(s.proactiveHits == s.proactiveRounds, "\(name): every window accepted and every guess the target's")
            #expect(
                s.proactiveWastedDrafts == 0 || name.hasPrefix("adaptive"), "\(name): \(s.proactiveWastedDrafts) wasted"
            )
            #expect(s.proactiveHiddenSeconds > 0, "\(name)")
            #expect(result.stats.proactiveHitRate == 1, "\(name)")
        }
    }

    @Test(arguments: ["fixed 1", "fixed 4", "doubling", "adaptive"])
    func forcedMissesRollBackAndEmitNoThrownAwayToken(_ policyName: String) async throws {
        let policy: any WindowPolicy =
            switch policyName {
            case "fixed 1": FixedWindow(1)
            case "fixed 4": FixedWindow(4)
            case "doubling": DoublingWindow()
            default: CostModelWindow()
            }
        let generator = Self.gated(target: Self.target, draft: Self.alwaysWrong, policy: policy, maxTokens: 40)
        var streamed: [Int] = []
        var result: GenerationResult?
        for try await event in generator.generate(SessionRequest(prompt: Self.prompt, maxTokens: 40), stopStrings: nil)
        {
            switch event {
            case .token(let t): streamed.append(t)
            case .finished(let r): result = r
            }
        }
        let final = try #require(result)
        #expect(streamed == final.tokens)
        #expect(final.tokens == Self.target.greedy(prompt: Self.prompt, count: 40))
        let s = final.counters
        #expect(s.proactiveRounds > 0)
        #expect(s.proactiveHits == 0)
        #expect(s.proactiveReusedDrafts == 0)
        #expect(s.proactiveWastedDrafts >= s.proactiveRounds, "each miss drafted at least one token")
        #expect(final.stats.proactiveHitRate == 0)
    }

    @Test(arguments: ["exact", "rough", "wrong"])
    func theProvisionalVerdictSteersTheSpeculation(_ head: String) async throws {
        let target = head == "exact" ? Self.exactHead : head == "rough" ? Self.roughHead : Self.wrongHead
        let reference = Self.target.greedy(prompt: Self.prompt, count: 48)
        for (name, policy) in Self.policies() {
            let request = SessionRequest(prompt: Self.prompt, maxTokens: 48)
            let both = try await makeAssisted(
                target: target, draft: Self.draft, policy: policy, preemptive: true, proactive: true
            )
            .run(request)
            #expect(both.tokens == reference, "\(head), \(name)")
            #expect(
                both.counters.provisionals == both.counters.rounds, "\(head), \(name): every pass makes a provisional")
            #expect(both.counters.proactiveRounds > 0, "\(head), \(name)")
            #expect(both.counters.preemptiveRounds == 0, "proactive drafting takes the provisional over")
            let gated = try await Self.gated(
                target: target, draft: Self.draft, policy: policy, maxTokens: 48, preemptive: true
            )
            .run(request)
            #expect(gated.tokens == reference, "\(head), \(name), gated")
        }
    }

    @Test(arguments: ["fixed 1", "fixed 4", "doubling"])
    func sampledOutputIsUnchangedForTheSameSeed(_ policyName: String) async throws {
        // Hits use exactly the draws a normal round would (the guess draws none); misses give theirs back.
        func policy() -> any WindowPolicy {
            switch policyName {
            case "fixed 1": FixedWindow(1)
            case "fixed 4": FixedWindow(4)
            default: DoublingWindow()
            }
        }
        var hits = 0
        for seed: UInt64 in [11, 12, 13] {
            let sampling = SamplingParameters(temperature: 1, seed: seed)
            let request = SessionRequest(prompt: Self.prompt, sampling: sampling, maxTokens: 40)
            let plain = try await makeAssisted(target: Self.target, draft: Self.draft, policy: policy()).run(request)
            let proactive = try await makeAssisted(
                target: Self.target, draft: Self.draft, policy: policy(), proactive: true
            ).run(request)
            let gated = try await Self.gated(target: Self.target, draft: Self.draft, policy: policy(), maxTokens: 40)
                .run(request)
            #expect(proactive.tokens == plain.tokens, "\(policyName), seed \(seed)")
            #expect(gated.tokens == plain.tokens, "\(policyName), seed \(seed), gated")
            #expect(gated.counters.proactiveRounds > 0)
            hits += gated.counters.proactiveHits
        }
        #expect(hits > 0, "\(policyName): no hit, so the hit path's draws went untested")
    }

    @Test func theDrafterGuessesWithoutDrawingAndRollsBackAMissedSpeculation() async throws {
        func fresh(after extra: [Int], sampling: SamplingParameters) async throws -> DraftProposal {
            let drafter = ModelDrafter(session: Self.draft.makeSession())
            try await drafter.start(SessionRequest(prompt: Self.prompt + extra, sampling: sampling, maxTokens: 64))
            return try await drafter.propose(3)
        }
        for sampling in [SamplingParameters.greedy, SamplingParameters(temperature: 1, seed: 5)] {
            let drafter = ModelDrafter(session: Self.draft.makeSession())
            try await drafter.start(SessionRequest(prompt: Self.prompt, sampling: sampling, maxTokens: 64))
            let window = try await drafter.propose(3)
            let guess = try #require(try await drafter.guessNext(after: window.tokens))
            #expect(
                guess == Self.draft.greedy(prompt: Self.prompt + window.tokens, count: 1).first,
                "the draft's own most likely token")
            // Hit: the speculation after the window and the guess is what a fresh drafter proposes there.
            let assumed = window.tokens + [guess]
            let speculative = try #require(try await drafter.speculate(after: assumed, count: 3))
            if sampling.isGreedy {
                #expect(speculative == (try await fresh(after: assumed, sampling: sampling)))
            }
            // Miss: the verdict kept one draft and corrected the next; the cache and stream roll back.
            let missed = [window.tokens[0], (window.tokens[1] + 1) % 32]
            try await drafter.advance(missed)
            let after = try await drafter.propose(3)
            if sampling.isGreedy {
                #expect(after == (try await fresh(after: missed, sampling: sampling)))
            } else {
                // Same stream as a drafter that never guessed or speculated.
                let plain = ModelDrafter(session: Self.draft.makeSession())
                try await plain.start(SessionRequest(prompt: Self.prompt, sampling: sampling, maxTokens: 64))
                #expect(try await plain.propose(3) == window)
                try await plain.advance(missed)
                #expect(try await plain.propose(3) == after)
            }
        }
    }

    @Test func aDrafterWithoutGuessesDeclines() async throws {
        struct Plain: Drafter {
            func start(_ request: SessionRequest) async throws {}
            func propose(_ count: Int) async throws -> DraftProposal { .empty }
            func advance(_ tokens: [Int]) async throws {}
        }
        #expect(try await Plain().guessNext(after: [1]) == nil)
    }
}

/// A drafter that counts the speculations started on it.
final class SpeculationCountingDrafter: Drafter {
    let base: ModelDrafter
    let speculations = Mutex(0)

    init(_ base: ModelDrafter) { self.base = base }

    func start(_ request: SessionRequest) async throws { try await base.start(request) }
    func propose(_ count: Int) async throws -> DraftProposal { try await base.propose(count) }
    func propose(_ count: Int, stopRule: DraftStopRule?) async throws -> DraftProposal {
        try await base.propose(count, stopRule: stopRule)
    }
    func advance(_ tokens: [Int]) async throws { try await base.advance(tokens) }
    func guessNext(after tokens: [Int]) async throws -> Int? { try await base.guessNext(after: tokens) }
    func speculate(after tokens: [Int], count: Int, stopRule: DraftStopRule?) async throws -> DraftProposal? {
        speculations.withLock { $0 += 1 }
        return try await base.speculate(after: tokens, count: count, stopRule: stopRule)
    }
}

/// A verifier that holds each round until the drafter has started a speculation on it (when the round
/// leaves room for one), then verifies in-process. Gives up waiting after 10 s so a drafter that never
/// speculates concurrently fails the test's hit counts instead of hanging it.
final class SpeculationGatedVerifier: Verifier {
    let base: InProcessVerifier
    let drafter: SpeculationCountingDrafter
    /// The open session's prompt length and token limit, and the speculations expected so far.
    private let state = Mutex((prompt: 0, maxTokens: 0, expected: 0))

    init(_ base: InProcessVerifier, drafter: SpeculationCountingDrafter) {
        self.base = base
        self.drafter = drafter
    }

    func open(_ request: SessionRequest) async throws -> SessionInfo {
        state.withLock { $0 = (request.prompt.count, request.maxTokens, drafter.speculations.withLock { $0 }) }
        return try await base.open(request)
    }

    func verify(_ round: DraftRound) async throws -> Verdict {
        try await hold(round)
        return try await base.verify(round)
    }

    func verify(_ round: DraftRound, onProvisional: @escaping @Sendable (Verdict.Provisional) -> Void) async throws
        -> Verdict
    {
        try await hold(round)
        return try await base.verify(round, onProvisional: onProvisional)
    }

    func close() async { await base.close() }

    private func hold(_ round: DraftRound) async throws {
        // A fully accepted round adds k + 1 tokens; the generator speculates when 2 or more remain after it.
        let expected: Int? = state.withLock { s in
            let remaining = s.maxTokens - (round.base - s.prompt) - (round.drafts.count + 1)
            guard remaining >= 2 else { return nil }
            s.expected += 1
            return s.expected
        }
        guard let expected else { return }
        for _ in 0..<2000 {
            if drafter.speculations.withLock({ $0 }) >= expected { return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
