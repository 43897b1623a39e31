import Synchronization
import TandemTestSupport
import Testing

@testable import TandemDecoding

@Suite struct ModelDrafterTests {
    static let model = ToyModel.hashed(vocabularySize: 16, contextLength: 40, seed: 5, scale: 3)
    static let prompt = [1, 2, 3]

    @Test func draftsGreedilyAndRollsBack() async throws {
        let recorder = SessionRecorder()
        let drafter = ModelDrafter(session: Self.model.makeSession(recorder: recorder))
        try await drafter.start(SessionRequest(prompt: Self.prompt, maxTokens: 30))
        let reference = Self.model.greedy(prompt: Self.prompt, count: 10)
        let first = try await drafter.propose(4)
        #expect(first.tokens == Array(reference.prefix(4)) && first.q == nil)
        #expect(recorder.snapshot.counts.last == 3 + 3, "agreed + k − 1 after the window")
        // The verifier kept two drafts and corrected the third.
        let correction = (reference[2] + 1) % 16
        try await drafter.advance([reference[0], reference[1], correction])
        #expect(recorder.snapshot.counts.last == 5, "rolled back to the agreed sequence minus its last token")
        let second = try await drafter.propose(2)
        #expect(
            second.tokens
                == Self.model.greedy(prompt: Self.prompt + [reference[0], reference[1], correction], count: 2))
        #expect(recorder.snapshot.passes.suffix(2) == [1, 1], "the last agreed token is fed with the window")
    }

    @Test func sampledDraftsComeWithTheirQ() async throws {
        let drafter = ModelDrafter(session: Self.model.makeSession(), proposalTopK: 3)
        try await drafter.start(
            SessionRequest(prompt: Self.prompt, sampling: SamplingParameters(temperature: 1, seed: 9), maxTokens: 30))
        let proposal = try await drafter.propose(5)
        let q = try #require(proposal.q)
        #expect(proposal.tokens.count == 5 && q.count == 5)
        for (token, qi) in zip(proposal.tokens, q) {
            #expect(qi.ids.count == 3)
            #expect(qi.probability(of: token) > 0)
            try qi.validate(vocabularySize: 16)
        }
    }

    @Test func windowEndsAtAStopTokenAndAtTheContext() async throws {
        let reference = Self.model.greedy(prompt: Self.prompt, count: 10)
        let drafter = ModelDrafter(session: Self.model.makeSession())
        try await drafter.start(SessionRequest(prompt: Self.prompt, maxTokens: 30, stopTokens: [reference[2]]))
        let cut = try await drafter.propose(6)
        #expect(cut.tokens == Array(reference[...(reference.firstIndex(of: reference[2]) ?? 2)]))

        let long = Array(repeating: 4, count: 38)
        let recorder = SessionRecorder()
        let nearlyFull = ModelDrafter(session: Self.model.makeSession(recorder: recorder))
        try await nearlyFull.start(SessionRequest(prompt: long, maxTokens: 30))
        #expect(try await nearlyFull.propose(8).tokens.count == 3, "40 − 38 + 1: the last draft needs no cache slot")
        #expect(recorder.snapshot.maxCount <= 40)
    }

    @Test func proposeBeforeStartIsRefused() async {
        let drafter = ModelDrafter(session: Self.model.makeSession())
        await #expect(throws: GenerationError.notOpen) { try await drafter.propose(2) }
    }
}

@Suite struct GeneratorLifecycleTests {
    static let model = ToyModel.hashed(vocabularySize: 16, seed: 5, scale: 3)

    @Test func concurrentGenerationsOnOneGeneratorAreRefused() async throws {
        let (entered, enter) = AsyncStream.makeStream(of: Void.self)
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let gated = GatedVerifier(
            inner: InProcessVerifier(session: Self.model.makeSession()), enter: enter, released: released)
        let generator = AssistedGenerator(
            drafter: ModelDrafter(session: Self.model.makeSession()), verifier: gated,
            policy: FixedWindow(2))
        let request = SessionRequest(prompt: [1], maxTokens: 20)
        let first = Task { try await generator.run(request) }
        for await _ in entered { break }  // the first generation is inside `open`
        await #expect(throws: GenerationError.generatorBusy) { try await generator.run(request) }
        release.yield()

        #expect(try await first.value.tokens == Self.model.greedy(prompt: [1], count: 20))
        // Free again afterwards.
        #expect(try await generator.run(SessionRequest(prompt: [1], maxTokens: 3)).tokens.count == 3)
    }

    @Test func droppingTheStreamStopsTheGeneration() async throws {
        let recorder = SessionRecorder()
        let generator = makeAssisted(
            target: Self.model, draft: Self.model, policy: FixedWindow(1), targetRecorder: recorder)
        var seen = 0
        for try await event in generator.generate(SessionRequest(prompt: [1], maxTokens: 400)) {
            if case .token = event { seen += 1 }
            if seen == 4 { break }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(recorder.snapshot.passes.count < 100, "the rounds stopped well before the limit")
    }
}

/// Holds its first `open` until released, announcing that it got there.
final class GatedVerifier: Verifier {
    let inner: InProcessVerifier
    let enter: AsyncStream<Void>.Continuation
    let released: AsyncStream<Void>
    private let gated = Mutex(true)

    init(inner: InProcessVerifier, enter: AsyncStream<Void>.Continuation, released: AsyncStream<Void>) {
        self.inner = inner
        self.enter = enter
        self.released = released
    }

    func open(_ request: SessionRequest) async throws -> SessionInfo {
        let first = gated.withLock { isFirst in
            defer { isFirst = false }
            return isFirst
        }
        if first {
            enter.yield()
            for await _ in released { break }
        }
        return try await inner.open(request)
    }

    func verify(_ round: DraftRound) async throws -> Verdict { try await inner.verify(round) }
    func close() async { await inner.close() }
}
