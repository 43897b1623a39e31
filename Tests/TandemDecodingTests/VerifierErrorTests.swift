import TandemTestSupport
import Testing

@testable import TandemDecoding

/// Inputs a client (or a buggy peer) can send are refused with typed errors, and leave the session usable.
@Suite struct VerifierErrorTests {
    static let target = ToyModel.hashed(vocabularySize: 16, contextLength: 64, seed: 1, scale: 4)
    static let prompt = [2, 7, 9]

    func opened(
        _ sampling: SamplingParameters = .greedy, maxWindow: Int = 8, recorder: SessionRecorder = SessionRecorder()
    )
        async throws -> InProcessVerifier
    {
        let verifier = InProcessVerifier(session: Self.target.makeSession(recorder: recorder), maxWindow: maxWindow)
        _ = try await verifier.open(SessionRequest(prompt: Self.prompt, sampling: sampling, maxTokens: 20))
        return verifier
    }

    @Test func verifyBeforeOpenOrAfterClose() async throws {
        let verifier = InProcessVerifier(session: Self.target.makeSession())
        await #expect(throws: GenerationError.notOpen) {
            try await verifier.verify(DraftRound(round: 1, base: 3, drafts: []))
        }
        _ = try await verifier.open(SessionRequest(prompt: Self.prompt, maxTokens: 5))
        await verifier.close()
        await #expect(throws: GenerationError.notOpen) {
            try await verifier.verify(DraftRound(round: 1, base: 3, drafts: []))
        }
    }

    @Test func badRequestsAreRefused() async throws {
        let verifier = InProcessVerifier(session: Self.target.makeSession())
        await #expect(throws: GenerationError.emptyPrompt) {
            try await verifier.open(SessionRequest(prompt: [], maxTokens: 5))
        }
        await #expect(throws: GenerationError.tokenOutOfRange(token: 16, vocabularySize: 16)) {
            try await verifier.open(SessionRequest(prompt: [1, 16], maxTokens: 5))
        }
        await #expect(throws: GenerationError.tokenOutOfRange(token: -1, vocabularySize: 16)) {
            try await verifier.open(SessionRequest(prompt: [1], maxTokens: 5, stopTokens: [-1]))
        }
        await #expect(throws: GenerationError.promptTooLong(count: 65, contextLength: 64)) {
            try await verifier.open(SessionRequest(prompt: Array(repeating: 1, count: 65), maxTokens: 5))
        }
        await #expect(throws: GenerationError.self) {
            try await verifier.open(SessionRequest(prompt: [1], maxTokens: -1))
        }
        await #expect(throws: GenerationError.self) {
            try await verifier.open(SessionRequest(prompt: [1], sampling: SamplingParameters(topP: 0), maxTokens: 5))
        }
    }

    @Test func badRoundsAreRefusedAndTheSessionSurvives() async throws {
        let recorder = SessionRecorder()
        let verifier = try await opened(SamplingParameters(temperature: 1), maxWindow: 4, recorder: recorder)
        let q = SparseDistribution(ids: [1, 2], probabilities: [0.5, 0.5])
        await #expect(throws: GenerationError.baseMismatch(expected: 3, got: 4)) {
            try await verifier.verify(DraftRound(round: 1, base: 4, drafts: []))
        }
        await #expect(throws: GenerationError.windowTooLarge(requested: 5, limit: 4)) {
            try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [1, 1, 1, 1, 1]))
        }
        await #expect(throws: GenerationError.tokenOutOfRange(token: 99, vocabularySize: 16)) {
            try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [1, 99]))
        }
        await #expect(throws: GenerationError.self, "q for one draft of two") {
            try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [1, 2], q: [q]))
        }
        await #expect(throws: GenerationError.self, "draft outside its q") {
            try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [3], q: [q]))
        }
        await #expect(throws: GenerationError.self, "q not a distribution") {
            try await verifier.verify(
                DraftRound(round: 1, base: 3, drafts: [1], q: [SparseDistribution(ids: [1], probabilities: [3])]))
        }
        await #expect(throws: GenerationError.self, "q with an id outside the vocabulary") {
            try await verifier.verify(
                DraftRound(
                    round: 1, base: 3, drafts: [1], q: [SparseDistribution(ids: [1, 40], probabilities: [0.5, 0.5])]))
        }
        #expect(recorder.snapshot.passes.isEmpty, "refused before any compute")
        // Still usable, and a replayed round is refused.
        let verdict = try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [1], q: [q]))
        let base = 3 + verdict.accepted + 1
        await #expect(throws: GenerationError.roundOutOfOrder(last: 1, got: 1)) {
            try await verifier.verify(DraftRound(round: 1, base: base, drafts: []))
        }
        _ = try await verifier.verify(DraftRound(round: 2, base: base, drafts: []))
    }

    @Test func finishedSessionTakesNoMoreRounds() async throws {
        let verifier = InProcessVerifier(session: Self.target.makeSession())
        _ = try await verifier.open(SessionRequest(prompt: Self.prompt, maxTokens: 2))
        let reference = Self.target.greedy(prompt: Self.prompt, count: 5)
        // A window longer than the budget is cut to it: two tokens, the second a kept draft.
        let verdict = try await verifier.verify(DraftRound(round: 1, base: 3, drafts: Array(reference.prefix(4))))
        #expect(verdict.accepted == 1 && verdict.next == reference[1] && verdict.finished)
        await #expect(throws: GenerationError.sessionFinished) {
            try await verifier.verify(DraftRound(round: 2, base: 5, drafts: []))
        }
    }

    @Test func reopeningReusesTheCachedPrefix() async throws {
        let recorder = SessionRecorder()
        let verifier = InProcessVerifier(session: Self.target.makeSession(recorder: recorder))
        _ = try await verifier.open(SessionRequest(prompt: Self.prompt, maxTokens: 20))
        let reference = Self.target.greedy(prompt: Self.prompt, count: 6)
        let v = try await verifier.verify(DraftRound(round: 1, base: 3, drafts: Array(reference.prefix(4))))
        #expect(v.accepted == 4 && v.next == reference[4])
        // Resync: the client re-opens with its whole sequence (8 tokens); 7 are cached already.
        let whole = Self.prompt + reference.prefix(5)
        let info = try await verifier.open(SessionRequest(prompt: whole, maxTokens: 10))
        #expect(info.base == 8)
        #expect(recorder.snapshot.prefills == [2, 0])
        let after = try await verifier.verify(DraftRound(round: 1, base: 8, drafts: []))
        #expect(after.next == reference[5])
    }
}

/// A verifier that answers with whatever it is told to: the generator must not believe it.
struct ScriptedVerifier: Verifier {
    let answer: @Sendable (DraftRound) -> Verdict

    func open(_ request: SessionRequest) async throws -> SessionInfo {
        SessionInfo(
            sessionID: "scripted", base: request.prompt.count, vocabularySize: 16, contextLength: 64, maxWindow: 8)
    }

    func verify(_ round: DraftRound) async throws -> Verdict { answer(round) }
    func close() async {}
}

@Suite struct HostileVerifierTests {
    static let draft = ToyModel.hashed(vocabularySize: 16, contextLength: 64, seed: 1, scale: 4)

    func run(_ answer: @escaping @Sendable (DraftRound) -> Verdict) async throws -> GenerationResult {
        let generator = AssistedGenerator(
            drafter: ModelDrafter(session: Self.draft.makeSession()),
            verifier: ScriptedVerifier(answer: answer), policy: FixedWindow(3))
        return try await generator.run(SessionRequest(prompt: [1, 2], maxTokens: 10))
    }

    @Test func acceptedBeyondProposedIsRefused() async {
        await #expect(throws: GenerationError.invalidVerdict("accepted 4 of 3 drafts")) {
            try await run { Verdict(round: $0.round, accepted: $0.drafts.count + 1, next: 0, finished: false) }
        }
        await #expect(throws: GenerationError.self) {
            try await run { Verdict(round: $0.round, accepted: -1, next: 0, finished: false) }
        }
    }

    @Test func nextOutsideTheVocabularyIsRefused() async {
        await #expect(throws: GenerationError.invalidVerdict("next token 16 is outside the vocabulary 0..<16")) {
            try await run { Verdict(round: $0.round, accepted: 0, next: 16, finished: false) }
        }
    }

    @Test func answerToAnotherRoundIsRefused() async {
        await #expect(throws: GenerationError.self) {
            try await run { Verdict(round: $0.round + 1, accepted: 0, next: 1, finished: false) }
        }
    }

    @Test func honestScriptedVerifierWorks() async throws {
        // Accepts everything and answers 5: the generator follows, within the token limit.
        let result = try await run { Verdict(round: $0.round, accepted: $0.drafts.count, next: 5, finished: false) }
        #expect(result.tokens.count == 10 && result.stats.acceptanceRate == 1)
        #expect(result.finishReason == .maxTokens)
    }
}
