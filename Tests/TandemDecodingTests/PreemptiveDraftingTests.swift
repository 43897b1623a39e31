import Synchronization
import TandemTestSupport
import Testing

@testable import TandemDecoding

/// Early-exit preemptive drafting in-process: the provisional verdict, the drafter's speculative
/// branch, and the generator's output, which must not change whatever the early head guesses.
@Suite struct PreemptiveDraftingTests {
    static let target = ToyModel.hashed(vocabularySize: 32, seed: 1, scale: 4)
    static let draft = ToyModel.perturbed(target, disagreement: 0.3)
    /// Early heads: the final head itself (every guess right), a head that disagrees with the target
    /// in a quarter of the contexts, and one whose argmax is always wrong (every guess a miss).
    static let exact = target.withEarlyExit(target)
    static let rough = target.withEarlyExit(ToyModel.perturbed(target, disagreement: 0.25, seed: 5))
    static let wrong = target.withEarlyExit(ToyModel.perturbed(target, disagreement: 1, seed: 5))
    static let policies: [(String, any WindowPolicy)] =
        [1, 2, 4, 8].map { ("fixed \($0)", FixedWindow($0) as any WindowPolicy) }
        + [("doubling", DoublingWindow()), ("adaptive", CostModelWindow())]
    static let prompt = [3, 17, 5]

    @Test(arguments: ["exact", "rough", "wrong"])
    func greedyOutputIsTheTargetsAtEveryWindow(_ head: String) async throws {
        let target = head == "exact" ? Self.exact : head == "rough" ? Self.rough : Self.wrong
        let reference = Self.target.greedy(prompt: Self.prompt, count: 48)
        for (name, policy) in Self.policies {
            let plain = try await makeAssisted(target: target, draft: Self.draft, policy: policy)
                .run(SessionRequest(prompt: Self.prompt, maxTokens: 48))
            let preemptive = try await makeAssisted(target: target, draft: Self.draft, policy: policy, preemptive: true)
                .run(SessionRequest(prompt: Self.prompt, maxTokens: 48))
            #expect(plain.tokens == reference, "\(head), \(name)")
            #expect(preemptive.tokens == reference, "\(head), \(name)")
            let s = preemptive.counters
            #expect(s.preemptiveRounds > 0, "\(head), \(name): no speculative window was started")
            #expect(s.preemptiveRounds <= s.rounds)
            #expect(preemptive.counters.provisionals == s.rounds, "every pass makes a provisional verdict")
            switch head {
            case "exact":
                // The last round's guess leaves no room for another window, so it starts none.
                #expect(s.preemptiveRounds <= s.rounds - 1, "\(name)")
                #expect(s.preemptiveHits == s.preemptiveRounds, "\(name)")
                #expect(preemptive.stats.preemptiveHitRate == 1)
                #expect(s.preemptiveWastedDrafts == 0)
            case "wrong":
                #expect(s.preemptiveHits == 0, "\(name)")
                #expect(s.preemptiveWastedDrafts > 0, "\(name)")
            default:
                let rate = preemptive.stats.preemptiveHitRate ?? -1
                #expect(rate > 0 && rate <= 1, "\(name)")
            }
            #expect(plain.stats.preemptiveRounds == nil && plain.stats.preemptiveHitRate == nil, "absent when off")
        }
    }

    @Test func aForcedMissEmitsNoThrownAwayToken() async throws {
        let generator = makeAssisted(target: Self.wrong, draft: Self.draft, policy: FixedWindow(4), preemptive: true)
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
        #expect(final.counters.preemptiveHits == 0)
        #expect(final.counters.preemptiveRounds > 0)
        #expect(
            final.counters.preemptiveWastedDrafts >= final.counters.preemptiveRounds,
            "each miss drafted at least one token")
        #expect(final.stats.preemptiveHitRate == 0)
    }

    @Test func aTargetWithoutEarlyExitSendsNoProvisional() async throws {
        let result = try await makeAssisted(
            target: Self.target, draft: Self.draft, policy: FixedWindow(4), preemptive: true
        )
        .run(SessionRequest(prompt: Self.prompt, maxTokens: 32))
        #expect(result.tokens == Self.target.greedy(prompt: Self.prompt, count: 32))
        #expect(result.counters.provisionals == 0)
        #expect(result.counters.preemptiveRounds == 0)
        #expect(result.stats.preemptiveRounds == 0, "present (preemption was on) and 0")
    }

    @Test func theProvisionalComesMidPassAndMatchesAnExactHeadsVerdict() async throws {
        let recorder = SessionRecorder()
        let verifier = InProcessVerifier(session: Self.exact.makeSession(recorder: recorder))
        _ = try await verifier.open(SessionRequest(prompt: Self.prompt, maxTokens: 32))
        let reference = Self.target.greedy(prompt: Self.prompt, count: 4)
        let drafts = [reference[0], reference[1], (reference[2] + 1) % 32]
        let seen = Mutex<[Verdict.Provisional]>([])
        let verdict = try await verifier.verify(DraftRound(round: 1, base: Self.prompt.count, drafts: drafts)) { p in
            seen.withLock { $0.append(p) }
        }
        let provisionals = seen.withLock { $0 }
        #expect(provisionals == [Verdict.Provisional(accepted: 2, next: reference[2])])
        #expect(verdict.accepted == 2 && verdict.next == reference[2])
        #expect(verdict.provisional == provisionals.first)
        #expect(recorder.snapshot.earlyExits == [4], "one early-exit row per position of the pass")
        let provisionalSeconds = try #require(verdict.timings.provisionalSeconds)
        #expect(provisionalSeconds >= 0 && provisionalSeconds <= verdict.timings.computeSeconds)

        // Without the callback the pass asks for no early rows and the verdict carries no provisional.
        let plain = try await verifier.verify(DraftRound(round: 2, base: Self.prompt.count + 3, drafts: [1]))
        #expect(plain.provisional == nil && plain.timings.provisionalSeconds == nil)
        #expect(recorder.snapshot.earlyExits == [4])
    }

    @Test func aWrongHeadsProvisionalDiffersFromTheVerdict() async throws {
        let verifier = InProcessVerifier(session: Self.wrong.makeSession())
        _ = try await verifier.open(SessionRequest(prompt: Self.prompt, maxTokens: 32))
        let reference = Self.target.greedy(prompt: Self.prompt, count: 3)
        let seen = Mutex<Verdict.Provisional?>(nil)
        let verdict = try await verifier.verify(DraftRound(round: 1, base: Self.prompt.count, drafts: reference)) { p in
            seen.withLock { $0 = p }
        }
        let provisional = try #require(seen.withLock { $0 })
        #expect(verdict.accepted == 3)
        #expect(provisional != Verdict.Provisional(accepted: verdict.accepted, next: verdict.next))
        #expect(provisional.accepted == 0, "the early head rejects the target's own first token")
    }

    @Test(arguments: ["fixed 4", "doubling"])
    func sampledOutputIsUnchangedForTheSameSeed(_ policyName: String) async throws {
        // Hits use exactly the draws a normal round would; misses give theirs back.
        let sampling = SamplingParameters(temperature: 1, seed: 11)
        for target in [Self.exact, Self.rough] {
            let policy: any WindowPolicy = policyName == "doubling" ? DoublingWindow() : FixedWindow(4)
            let request = SessionRequest(prompt: Self.prompt, sampling: sampling, maxTokens: 40)
            let plain = try await makeAssisted(target: target, draft: Self.draft, policy: policy).run(request)
            let preemptive = try await makeAssisted(target: target, draft: Self.draft, policy: policy, preemptive: true)
                .run(request)
            #expect(preemptive.tokens == plain.tokens, "\(policyName)")
            #expect(preemptive.counters.preemptiveRounds > 0)
        }
    }

    @Test func theDrafterKeepsAConfirmedSpeculationAndRollsBackAMissedOne() async throws {
        let request = SessionRequest(prompt: Self.prompt, maxTokens: 64)
        func fresh(after extra: [Int]) async throws -> DraftProposal {
            let drafter = ModelDrafter(session: Self.draft.makeSession())
            try await drafter.start(SessionRequest(prompt: Self.prompt + extra, maxTokens: 64))
            return try await drafter.propose(3)
        }
        let recorder = SessionRecorder()
        let drafter = ModelDrafter(session: Self.draft.makeSession(recorder: recorder))
        try await drafter.start(request)
        let window = try await drafter.propose(3)

        // Hit: the speculation assumed the tokens the round added.
        let added = Array(window.tokens[..<1]) + [7]
        let speculative = try #require(try await drafter.speculate(after: added, count: 3))
        #expect(speculative == (try await fresh(after: added)))
        try await drafter.advance(added)
        // The next window goes on from the kept one exactly as after proposing it, without computing
        // the kept positions again: its first pass is the one new token.
        let later = Array(speculative.tokens[..<2]) + [9]
        try await drafter.advance(later)
        let passesBefore = recorder.snapshot.passes.count
        #expect(try await drafter.propose(3) == (try await fresh(after: added + later)))
        #expect(recorder.snapshot.passes[passesBefore] == 1)

        // Miss: the speculation assumed other tokens; the cache rolls back.
        let missed = try #require(try await drafter.speculate(after: [1, 2], count: 3))
        #expect(missed.tokens.count == 3)
        try await drafter.advance([4])
        #expect(try await drafter.propose(3) == (try await fresh(after: added + later + [4])))
    }

    @Test func aDrafterWithoutSpeculationDeclines() async throws {
        struct Plain: Drafter {
            func start(_ request: SessionRequest) async throws {}
            func propose(_ count: Int) async throws -> DraftProposal { .empty }
            func advance(_ tokens: [Int]) async throws {}
        }
        #expect(try await Plain().speculate(after: [1], count: 2) == nil)
    }
}
