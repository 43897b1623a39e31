import TandemTestSupport
import Testing

@testable import TandemDecoding

/// Greedy assisted decoding must reproduce the target's own greedy output exactly, whatever the draft
/// and the window policy; with the draft equal to the target, every draft is accepted.
@Suite struct GreedyInvariantTests {
    static let target = ToyModel.hashed(vocabularySize: 32, seed: 1, scale: 4)
    static let drafts: [(String, ToyModel)] = [
        ("same model", target),
        ("30% disagreement", ToyModel.perturbed(target, disagreement: 0.3)),
        ("unrelated", ToyModel.hashed(vocabularySize: 32, seed: 2, scale: 4)),
    ]
    static let policies: [(String, any WindowPolicy)] =
        (1...8).map { ("fixed \($0)", FixedWindow($0) as any WindowPolicy) }
        + [("doubling", DoublingWindow()), ("cost model", CostModelWindow())]
    static let prompt = [3, 17, 5]

    @Test(arguments: 0..<3)
    func matchesTargetGreedyForEveryPolicy(draftIndex: Int) async throws {
        let (draftName, draft) = Self.drafts[draftIndex]
        let reference = Self.target.greedy(prompt: Self.prompt, count: 48)
        #expect(reference.count == 48)
        for (policyName, policy) in Self.policies {
            let generator = makeAssisted(target: Self.target, draft: draft, policy: policy)
            let result = try await generator.run(SessionRequest(prompt: Self.prompt, maxTokens: 48))
            #expect(result.tokens == reference, "\(draftName), \(policyName)")
            #expect(result.finishReason == .maxTokens)
            let stats = result.stats
            #expect(stats.generatedTokens == 48)
            #expect(stats.accepted + stats.rounds == 48, "each round adds its kept drafts and one token")
            if draftIndex == 0 {
                #expect(stats.acceptanceRate == 1, "\(policyName)")
                #expect(stats.perPositionAcceptance.allSatisfy { $0 == 1 }, "\(policyName)")
            }
        }
    }

    @Test func perturbedDraftsAreSometimesRejected() async throws {
        let draft = ToyModel.perturbed(Self.target, disagreement: 0.3)
        let result = try await makeAssisted(target: Self.target, draft: draft, policy: FixedWindow(4))
            .run(SessionRequest(prompt: Self.prompt, maxTokens: 64))
        #expect(result.stats.acceptanceRate > 0.3 && result.stats.acceptanceRate < 0.95)
        // Later positions are only reached after earlier ones were accepted, but are judged alone.
        #expect(result.stats.perPositionAcceptance.count == 4)
        #expect(result.stats.tokensPerRound > 1.5)
    }

    @Test func oneTargetPassOfKPlusOnePositionsPerRound() async throws {
        let targetLog = SessionRecorder()
        let draftLog = SessionRecorder()
        let draft = ToyModel.perturbed(Self.target, disagreement: 0.3)
        let generator = makeAssisted(
            target: Self.target, draft: draft, policy: FixedWindow(3),
            targetRecorder: targetLog, draftRecorder: draftLog)
        let result = try await generator.run(SessionRequest(prompt: Self.prompt, maxTokens: 40))
        let log = targetLog.snapshot
        #expect(log.prefills == [Self.prompt.count - 1], "the prompt's last token stays pending")
        #expect(log.passes.count == result.stats.rounds)
        // k = 3 until the limit leaves less room.
        #expect(log.passes.dropLast(3).allSatisfy { $0 == 4 })
        #expect(result.counters.cloudPositions == log.passes.reduce(0, +))
        // After every round the cache holds the agreed sequence minus its pending token: the counts
        // logged by the truncations grow by exactly the tokens each round added.
        #expect(log.maxCount <= Self.prompt.count + 40)
        // The drafter rolled back too: it never holds more than agreed + k − 1.
        #expect(draftLog.snapshot.maxCount <= Self.prompt.count + 40 + 2)
    }

    @Test func pendingTokenSchemeKeepsCacheOneBehind() async throws {
        let recorder = SessionRecorder()
        let verifier = InProcessVerifier(session: Self.target.makeSession(recorder: recorder), maxWindow: 8)
        let reference = Self.target.greedy(prompt: Self.prompt, count: 10)
        let info = try await verifier.open(SessionRequest(prompt: Self.prompt, maxTokens: 10))
        #expect(info.base == 3)
        // Round 1: two right drafts, one wrong.
        let wrong = (reference[2] + 1) % 32
        let v1 = try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [reference[0], reference[1], wrong]))
        #expect(v1.accepted == 2 && v1.next == reference[2] && !v1.finished)
        #expect(recorder.snapshot.passes == [4])
        #expect(recorder.snapshot.counts.last == 3 + 2, "agreed is 6 tokens; 5 cached, 1 pending")
        // Round 2: a fully accepted window gets the bonus.
        let v2 = try await verifier.verify(DraftRound(round: 2, base: 6, drafts: [reference[3], reference[4]]))
        #expect(v2.accepted == 2 && v2.next == reference[5])
        #expect(recorder.snapshot.counts.last == 8)
        // Round 3: no drafts is a plain target step.
        let v3 = try await verifier.verify(DraftRound(round: 3, base: 9, drafts: []))
        #expect(v3.accepted == 0 && v3.next == reference[6])
        #expect(recorder.snapshot.passes == [4, 3, 1])
    }

    @Test func stopTokenEndsTheGenerationAndIsEmitted() async throws {
        let reference = Self.target.greedy(prompt: Self.prompt, count: 30)
        let stop = reference[11]
        let expected = Array(reference[...reference.firstIndex(of: stop)!])
        for policy in [FixedWindow(1), FixedWindow(5)] as [any WindowPolicy] {
            let result = try await makeAssisted(target: Self.target, draft: Self.target, policy: policy)
                .run(SessionRequest(prompt: Self.prompt, maxTokens: 30, stopTokens: [stop]))
            #expect(result.tokens == expected)
            #expect(result.finishReason == .stopToken(stop))
            #expect(result.stats.acceptanceRate == 1, "a window cut at the stop token still counts as accepted")
        }
    }

    @Test func contextFullEndsTheGeneration() async throws {
        let small = ToyModel.hashed(vocabularySize: 32, contextLength: 20, seed: 1, scale: 4)
        let recorder = SessionRecorder()
        let result = try await makeAssisted(
            target: small, draft: small, policy: FixedWindow(8), targetRecorder: recorder
        )
        .run(SessionRequest(prompt: Self.prompt, maxTokens: 100))
        #expect(result.tokens == small.greedy(prompt: Self.prompt, count: 17))
        #expect(result.finishReason == .contextFull)
        #expect(recorder.snapshot.maxCount <= 20)
    }

    @Test func stopStringsCutAtTheCompletingToken() async throws {
        let reference = Self.target.greedy(prompt: Self.prompt, count: 40)
        // Token t reads as the letter t + "a"; stop at the text of tokens 9 and 10 together.
        let letters: @Sendable ([Int]) -> String = { String($0.map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }) }
        let stop = letters(Array(reference[9...10]))
        let first = letters(reference).range(of: stop)!
        let cut = letters(reference).distance(from: letters(reference).startIndex, to: first.upperBound)
        let result = try await makeAssisted(target: Self.target, draft: Self.target, policy: FixedWindow(6))
            .run(
                SessionRequest(prompt: Self.prompt, maxTokens: 40),
                stopStrings: StopStrings([stop], detokenize: letters))
        #expect(result.tokens == Array(reference.prefix(cut)))
        #expect(result.finishReason == .stopString(stop))
    }

    @Test func streamYieldsTokensThenTheResult() async throws {
        let generator = makeAssisted(target: Self.target, draft: Self.target, policy: DoublingWindow())
        var tokens: [Int] = []
        var result: GenerationResult?
        for try await event in generator.generate(SessionRequest(prompt: Self.prompt, maxTokens: 12)) {
            switch event {
            case .token(let t):
                #expect(result == nil)
                tokens.append(t)
            case .finished(let r): result = r
            }
        }
        #expect(tokens == Self.target.greedy(prompt: Self.prompt, count: 12))
        #expect(result?.tokens == tokens)
    }

    @Test func zeroMaxTokensGeneratesNothing() async throws {
        let result = try await makeAssisted(target: Self.target, draft: Self.target, policy: FixedWindow(4))
            .run(SessionRequest(prompt: Self.prompt, maxTokens: 0))
        #expect(result.tokens.isEmpty && result.finishReason == .maxTokens && result.stats.rounds == 0)
    }
}
