import Foundation
import Synchronization
import TandemTestSupport
import Testing

@testable import TandemDecoding

/// An in-process verifier that can be switched off: while down, `open` and `verify` throw
/// `VerifierUnavailable`, as a client with no reachable server does.
actor SwitchableVerifier: Verifier, FailoverReporting {
    private let base: InProcessVerifier
    /// Verifies answered before it goes down (nil: never).
    private var downAfterVerifies: Int?
    /// Opens refused while down before it comes back (nil: never).
    private var upAfterOpens: Int?
    /// An error thrown by the next verify instead (a real failure, not unreachability).
    private var failure: (any Error)?
    private var verifies = 0
    private var refusedOpens = 0
    private(set) var down: Bool
    private(set) var opens = 0
    var failovers: Int { 0 }

    init(
        _ base: InProcessVerifier, startDown: Bool = false, downAfterVerifies: Int? = nil, upAfterOpens: Int? = nil,
        failure: (any Error)? = nil
    ) {
        self.base = base
        down = startDown
        self.downAfterVerifies = downAfterVerifies
        self.upAfterOpens = upAfterOpens
        self.failure = failure
    }

    func open(_ request: SessionRequest) async throws -> SessionInfo {
        opens += 1
        if down {
            refusedOpens += 1
            if let up = upAfterOpens, refusedOpens > up {
                down = false
            } else {
                throw VerifierUnavailable("switched off")
            }
        }
        return try await base.open(request)
    }

    func verify(_ round: DraftRound) async throws -> Verdict {
        if let failure { throw failure }
        if let after = downAfterVerifies, verifies >= after {
            down = true
            downAfterVerifies = nil
        }
        if down { throw VerifierUnavailable("switched off") }
        verifies += 1
        return try await base.verify(round)
    }

    func close() async { await base.close() }
}

@Suite struct ResilientGeneratorTests {
    static let target = ToyModel.hashed(vocabularySize: 32, contextLength: 256, seed: 5, scale: 4)
    static let draft = ToyModel.perturbed(target, disagreement: 0.4)
    static let prompt = [3, 1, 4]

    func generator(_ verifier: SwitchableVerifier, retryEvery: Int = 3) -> ResilientGenerator {
        ResilientGenerator(
            drafter: ModelDrafter(session: Self.draft.makeSession()), verifier: verifier, policy: FixedWindow(3),
            configuration: .init(retryEveryTokens: retryEvery, retryInterval: .zero))
    }

    func collect(_ generator: ResilientGenerator, maxTokens: Int) async throws -> (
        tokens: [Int], markers: [(TokenSource, Int)], GenerationResult
    ) {
        var tokens: [Int] = []
        var markers: [(TokenSource, Int)] = []
        var result: GenerationResult?
        for try await event in generator.events(SessionRequest(prompt: Self.prompt, maxTokens: maxTokens)) {
            switch event {
            case .token(let t): tokens.append(t)
            case .source(let s, _): markers.append((s, tokens.count))
            case .finished(let r): result = r
            }
        }
        return (tokens, markers, try #require(result))
    }

    @Test("with a verifier throughout, the output is the target's greedy output and nothing is local")
    func alwaysUp() async throws {
        let verifier = SwitchableVerifier(InProcessVerifier(session: Self.target.makeSession()))
        let (tokens, markers, result) = try await collect(generator(verifier), maxTokens: 40)
        #expect(tokens == Self.target.greedy(prompt: Self.prompt, count: 40))
        #expect(result.tokens == tokens)
        #expect(markers.map(\.0) == [.verified])
        #expect(result.counters.localTokens == 0)
        #expect(result.stats.localTokens == 0)
        #expect(result.counters.rounds > 0)
    }

    @Test("with no verifier at all, the draft generates alone and every token is local")
    func neverUp() async throws {
        let verifier = SwitchableVerifier(InProcessVerifier(session: Self.target.makeSession()), startDown: true)
        let (tokens, markers, result) = try await collect(generator(verifier), maxTokens: 25)
        #expect(tokens == Self.draft.greedy(prompt: Self.prompt, count: 25))
        #expect(markers.map(\.0) == [.local])
        #expect(result.counters.localTokens == 25)
        #expect(result.counters.rounds == 0)
        let opens = await verifier.opens
        // Later attempts run in the background, so a loaded machine may finish before any of them starts:
        // only the first attempt and the ceiling are certain.
        #expect(
            opens >= 1 && opens <= 1 + 24 / 3,
            "one attempt at the start, then at most one every 3 local tokens: \(opens)")
    }

    @Test("lost mid-generation and back: local tokens in between, then assisted rounds resume on the whole sequence")
    func downAndBack() async throws {
        let verifier = SwitchableVerifier(
            InProcessVerifier(session: Self.target.makeSession()), downAfterVerifies: 4,
            upAfterOpens: 2)
        let (tokens, markers, result) = try await collect(generator(verifier), maxTokens: 60)
        #expect(result.tokens == tokens)
        #expect(tokens.count == 60)
        #expect(markers.map(\.0) == [.verified, .local, .verified])
        let localFrom = markers[1].1
        let resumedAt = markers[2].1
        #expect(result.counters.localTokens == resumedAt - localFrom)
        #expect(
            result.counters.localTokens >= 3 * 3,
            "three attempts, at least three local tokens apart, the third answered")
        #expect(Array(tokens[..<localFrom]) == Self.target.greedy(prompt: Self.prompt, count: localFrom))
        #expect(
            Array(tokens[localFrom..<resumedAt])
                == Self.draft.greedy(prompt: Self.prompt + tokens[..<localFrom], count: resumedAt - localFrom))
        #expect(
            Array(tokens[resumedAt...])
                == Self.target.greedy(prompt: Self.prompt + tokens[..<resumedAt], count: 60 - resumedAt))
        #expect(result.stats.localTokens == result.counters.localTokens)
    }

    @Test("a verifier error other than unreachability surfaces")
    func realErrorsSurface() async throws {
        let verifier = SwitchableVerifier(
            InProcessVerifier(session: Self.target.makeSession()),
            failure: GenerationError.invalidVerdict("made up"))
        await #expect(throws: GenerationError.invalidVerdict("made up")) {
            _ = try await collect(generator(verifier), maxTokens: 10)
        }
    }

    @Test("local and failover counts add up across generations and reach the stats as snake_case keys")
    func countersMerge() throws {
        var a = GenerationCounters()
        var b = GenerationCounters()
        a.localTokens = 3
        a.failovers = 1
        b.localTokens = 4
        b.failovers = 2
        let merged = a.merged(with: b)
        #expect(merged.localTokens == 7)
        #expect(merged.failovers == 3)
        let stats = GenerationStats(merged)
        #expect(stats.localTokens == 7)
        #expect(stats.failovers == 3)
        let json = String(decoding: try JSONEncoder().encode(stats), as: UTF8.self)
        #expect(json.contains("\"local_tokens\":7"))
        #expect(json.contains("\"failovers\":3"))
    }
}

@Suite struct ResilientRetryTests {
    @Test("failed attempts space out: with a long interval only the first attempt happens in a short local run")
    func backoff() async throws {
        let verifier = SwitchableVerifier(
            InProcessVerifier(session: ResilientGeneratorTests.target.makeSession()), startDown: true)
        let generator = ResilientGenerator(
            drafter: ModelDrafter(session: ResilientGeneratorTests.draft.makeSession()),
            verifier: verifier, policy: FixedWindow(3),
            configuration: .init(retryEveryTokens: 1, retryInterval: .seconds(3600)))
        let result = try await generator.run(SessionRequest(prompt: ResilientGeneratorTests.prompt, maxTokens: 30))
        #expect(result.counters.localTokens == 30)
        #expect(await verifier.opens == 1, "the interval since the first attempt has not passed")
    }

    @Test("attempts wait for the interval on the configured clock: none while it stands still, one once it passed")
    func backoffOnTheClock() async throws {
        let clock = ManualClock()
        let verifier = SwitchableVerifier(
            InProcessVerifier(session: ResilientGeneratorTests.target.makeSession()), startDown: true)
        let moves = ClockMoves()
        let drafter = ClockMovingDrafter(
            base: ModelDrafter(session: ResilientGeneratorTests.draft.makeSession()), clock: clock,
            verifier: verifier, moves: moves, at: 10, step: .seconds(1))
        let generator = ResilientGenerator(
            drafter: drafter, verifier: verifier, policy: FixedWindow(3),
            configuration: .init(retryEveryTokens: 1, retryInterval: .seconds(1), clock: clock))
        let result = try await generator.run(SessionRequest(prompt: ResilientGeneratorTests.prompt, maxTokens: 30))
        #expect(result.counters.localTokens == 30)
        #expect(moves.opensBeforeTheMove == 1, "no attempt while the clock stood still")
        #expect(await verifier.opens == 2, "one attempt once the interval passed, none after (it doubled)")
    }
}

/// What `ClockMovingDrafter` saw.
final class ClockMoves: Sendable {
    let tokens = Mutex(0)
    let opensBefore = Mutex<Int?>(nil)
    var opensBeforeTheMove: Int? { opensBefore.withLock { $0 } }
}

/// A drafter that, at its `at`-th local token, notes the verifier's opens and moves `clock` by `step`;
/// at twice that it waits (10 s at most) for the background attempt the move allowed to reach the verifier.
struct ClockMovingDrafter: Drafter {
    let base: ModelDrafter
    let clock: ManualClock
    let verifier: SwitchableVerifier
    let moves: ClockMoves
    let at: Int
    let step: Duration

    func start(_ request: SessionRequest) async throws { try await base.start(request) }
    func propose(_ count: Int) async throws -> DraftProposal { try await base.propose(count) }
    func advance(_ tokens: [Int]) async throws {
        let count = moves.tokens.withLock {
            $0 += tokens.count
            return $0
        }
        if count == at {
            let opens = await verifier.opens
            moves.opensBefore.withLock { $0 = opens }
            clock.advance(by: step)
        }
        if count == 2 * at {
            let deadline = ContinuousClock.now + .seconds(10)
            while await verifier.opens < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        try await base.advance(tokens)
    }
}

/// Local tokens made so far, and whether a background attempt to reach the verifier has begun.
final class LocalProgress: Sendable {
    let tokens = Mutex(0)
    let probeEntered = Mutex(false)
}

/// A drafter that counts the tokens it advances by and, at `holdAt`, waits until a probe is in flight.
struct CountingDrafter: Drafter {
    let base: ModelDrafter
    let progress: LocalProgress
    let holdAt: Int

    func start(_ request: SessionRequest) async throws { try await base.start(request) }
    func propose(_ count: Int) async throws -> DraftProposal { try await base.propose(count) }
    func advance(_ tokens: [Int]) async throws {
        let count = progress.tokens.withLock {
            $0 += tokens.count
            return $0
        }
        if count == holdAt {
            let deadline = ContinuousClock.now + .seconds(10)
            while !progress.probeEntered.withLock({ $0 }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        try await base.advance(tokens)
    }
}

/// A verifier that is never reachable and takes a while to say so (a network that drops packets).
actor SlowUnreachableVerifier: Verifier {
    let progress: LocalProgress
    private(set) var opens = 0
    private(set) var localTokensDuringProbe = false

    init(progress: LocalProgress) { self.progress = progress }

    func open(_ request: SessionRequest) async throws -> SessionInfo {
        opens += 1
        let probe = opens >= 2
        if probe { progress.probeEntered.withLock { $0 = true } }
        let before = progress.tokens.withLock { $0 }
        if probe {
            // Held until local generation makes a token (10 s at most): a generator that waited for
            // this attempt would make none, however fast or loaded the machine.
            let deadline = ContinuousClock.now + .seconds(10)
            while !Task.isCancelled, progress.tokens.withLock({ $0 }) == before, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(1))
            }
        } else {
            try? await Task.sleep(for: .milliseconds(200))
        }
        if probe, progress.tokens.withLock({ $0 }) > before { localTokensDuringProbe = true }
        throw VerifierUnavailable("packets dropped")
    }

    func verify(_ round: DraftRound) async throws -> Verdict { throw VerifierUnavailable("packets dropped") }
    func close() async {}
}

@Suite struct ResilientProbeTests {
    @Test("attempts to reach the verifier again run in the background: local generation does not wait for them")
    func probesDoNotStall() async throws {
        let progress = LocalProgress()
        let verifier = SlowUnreachableVerifier(progress: progress)
        let drafter = CountingDrafter(
            base: ModelDrafter(session: ResilientGeneratorTests.draft.makeSession()), progress: progress, holdAt: 10)
        let generator = ResilientGenerator(
            drafter: drafter, verifier: verifier, policy: FixedWindow(3),
            configuration: .init(retryEveryTokens: 3, retryInterval: .zero))
        let result = try await generator.run(SessionRequest(prompt: ResilientGeneratorTests.prompt, maxTokens: 60))
        #expect(result.counters.localTokens == 60)
        #expect(
            result.tokens == ResilientGeneratorTests.draft.greedy(prompt: ResilientGeneratorTests.prompt, count: 60))
        #expect(await verifier.opens >= 2)
        // The last probe is cancelled when the generation ends; let it finish its bookkeeping.
        let deadline = ContinuousClock.now + .seconds(10)
        while await !verifier.localTokensDuringProbe, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await verifier.localTokensDuringProbe, "local tokens were made while an attempt was in flight")
    }
}
