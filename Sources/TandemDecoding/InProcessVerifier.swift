import TandemSampling

/// A `Verifier` over a target `LanguageModelSession` in the same process, implementing the server's
/// pending-token scheme.
///
/// The verifier holds the agreed sequence; all of it but the last token (the *pending* token, its
/// last answer) is in the target's cache. A round evaluates `[pending, d1 … dk]` in ONE pass: row i
/// of the logits judges d(i+1) and row k gives the bonus. The cache is then truncated to the agreed
/// length minus one, so the new pending token (the verdict's `next`) is again outside it.
///
/// Concurrency: the session and all state live on `queue` (a serial `DispatchQueue`), so compute never
/// blocks the cooperative pool and calls are serialised; give every session of one model the same
/// queue so only one forward pass runs at a time.
public final class InProcessVerifier: Verifier {
    private let queue: ComputeQueue
    private let core: ExclusiveCore<VerifierCore>

    /// - Parameters:
    ///   - session: the target's session, handed over (its previous contents are dropped on `open`).
    ///   - queue: the model's compute queue.
    ///   - maxWindow: most drafts taken in one round.
    ///   - shaper: makes the target's sampling distribution for a session's parameters (default: the
    ///     engine's `Sampler`; tests pass their own).
    public init(
        session: sending some LanguageModelSession, queue: ComputeQueue = ComputeQueue(label: "tandem.verifier"),
        maxWindow: Int = 16, shaper: @escaping ShaperFactory = SamplingDistribution.factory
    ) {
        self.queue = queue
        core = ExclusiveCore(VerifierCore(session: session, maxWindow: max(0, maxWindow), makeShaper: shaper))
    }

    public func open(_ request: SessionRequest) async throws -> SessionInfo {
        let core = self.core
        let timed = try await queue.run { try core.withLock { try $0.open(request) } }
        var info = timed.value
        info.serverCPUSeconds = timed.cpuSeconds
        return info
    }

    public func verify(_ round: DraftRound) async throws -> Verdict {
        let core = self.core
        let timed = try await queue.run { try core.withLock { try $0.verify(round) } }
        var verdict = timed.value
        verdict.timings = Verdict.Timings(
            queueSeconds: timed.queueSeconds, computeSeconds: timed.computeSeconds,
            cpuSeconds: timed.cpuSeconds)
        return verdict
    }

    /// Verifies like `verify(_:)`; when the session's model has an early exit, `onProvisional` is called
    /// from the compute thread in the middle of the pass with the verdict the early-exit rows give by
    /// the same rule (greedy: argmax agreement; sampled: the same acceptance test with a copy of the
    /// session's random stream, so the guess matches whenever the early rows match the final ones),
    /// cut at stop tokens and limits like the verdict. The callback must not block.
    public func verify(_ round: DraftRound, onProvisional: @escaping @Sendable (Verdict.Provisional) -> Void)
        async throws -> Verdict
    {
        let core = self.core
        let timed = try await queue.run { try core.withLock { try $0.verify(round, onProvisional: onProvisional) } }
        var verdict = timed.value
        verdict.timings = Verdict.Timings(
            queueSeconds: timed.queueSeconds, computeSeconds: timed.computeSeconds,
            provisionalSeconds: verdict.timings.provisionalSeconds,
            cpuSeconds: timed.cpuSeconds)
        return verdict
    }

    public func close() async {
        let core = self.core
        _ = try? await queue.perform { core.withLock { $0.close() } }
    }
}

extension InProcessVerifier: RoutingVerifier {
    /// Appends the client's tokens in one pass over `[pending] + tokens` and answers the target's own
    /// next `span` tokens (each extra one a single-position step); the last answered token is pending.
    public func route(_ request: RouteRequest) async throws -> RouteAnswer {
        let core = self.core
        let timed = try await queue.run { try core.withLock { try $0.route(request) } }
        var answer = timed.value
        answer.timings = Verdict.Timings(
            queueSeconds: timed.queueSeconds, computeSeconds: timed.computeSeconds,
            cpuSeconds: timed.cpuSeconds)
        return answer
    }
}

/// The verifier's state, behind an `ExclusiveCore` (and run on the verifier's `ComputeQueue`).
private final class VerifierCore {
    private struct Open {
        var request: SessionRequest
        /// The request's stop tokens as a set: a client may send many, and every check is a lookup.
        var stops: Set<Int>
        var shaper: any DistributionShaper
        var rng: SamplerRNG
        /// The agreed sequence; its last token is pending (not in the cache).
        var agreed: [Int]
        var generated = 0
        var lastRound = 0
        var finished = false
    }

    private let session: any LanguageModelSession
    private let maxWindow: Int
    private let makeShaper: ShaperFactory
    /// What the cache holds, as far as this verifier put it there.
    private var cached: [Int] = []
    private var state: Open?
    private var sessions = 0

    init(session: sending some LanguageModelSession, maxWindow: Int, makeShaper: @escaping ShaperFactory) {
        self.session = session
        self.maxWindow = maxWindow
        self.makeShaper = makeShaper
    }

    func open(_ request: SessionRequest) throws -> SessionInfo {
        state = nil
        let vocabularySize = session.vocabularySize
        let contextLength = session.contextLength
        try request.validate(vocabularySize: vocabularySize, contextLength: contextLength)
        let shaper = try makeShaper(request.sampling)
        // Reuse the cache up to the common prefix (a resync re-open sends the same sequence again).
        let target = Array(request.prompt.dropLast())
        var common = 0
        if session.count == cached.count {
            while common < min(cached.count, target.count), cached[common] == target[common] { common += 1 }
        }
        try session.truncate(to: common)
        cached = Array(target.prefix(common))
        try session.prefill(Array(target[common...]))
        cached = target
        sessions += 1
        state = Open(
            request: request, stops: Set(request.stopTokens), shaper: shaper,
            rng: SamplerRNG(seed: request.sampling.seed),
            agreed: request.prompt)
        state?.finished = request.maxTokens == 0 || request.prompt.count >= contextLength
        return SessionInfo(
            sessionID: "in-process-\(sessions)", base: request.prompt.count,
            vocabularySize: vocabularySize, contextLength: contextLength, maxWindow: maxWindow)
    }

    func verify(_ round: DraftRound, onProvisional: ((Verdict.Provisional) -> Void)? = nil) throws -> Verdict {
        let started = ContinuousClock.now
        guard var open = state else { throw GenerationError.notOpen }
        guard !open.finished else { throw GenerationError.sessionFinished }
        guard round.base == open.agreed.count else {
            throw GenerationError.baseMismatch(expected: open.agreed.count, got: round.base)
        }
        guard round.round > open.lastRound else {
            throw GenerationError.roundOutOfOrder(last: open.lastRound, got: round.round)
        }
        let drafts = round.drafts
        let vocabularySize = session.vocabularySize
        // The pass puts base − 1 + k + 1 positions in the cache.
        let limit = min(maxWindow, session.contextLength - open.agreed.count)
        guard drafts.count <= limit else { throw GenerationError.windowTooLarge(requested: drafts.count, limit: limit) }
        for token in drafts where token < 0 || token >= vocabularySize {
            throw GenerationError.tokenOutOfRange(token: token, vocabularySize: vocabularySize)
        }
        let useSampledRule = !open.request.sampling.isGreedy
        if let q = round.q, useSampledRule {
            guard q.count == drafts.count else {
                throw GenerationError.invalidProposal("\(drafts.count) drafts but \(q.count) q distributions")
            }
            for (i, qi) in q.enumerated() {
                try qi.validate(vocabularySize: vocabularySize)
                guard qi.probability(of: drafts[i]) > 0 else {
                    throw GenerationError.invalidProposal(
                        "draft \(i + 1) (token \(drafts[i])) has probability 0 under its q")
                }
            }
        }

        let base = open.agreed.count
        guard let pending = open.agreed.last else { throw GenerationError.notOpen }
        var provisional: Verdict.Provisional?
        var provisionalSeconds: Double?
        let rows: [[Float]]
        if let onProvisional {
            let before = open
            rows = try session.evaluate([pending] + drafts) { early in
                // A guess that cannot be made (malformed rows) is simply not sent.
                var rng = before.rng
                guard let outcome = try? judge(early, drafts: drafts, q: round.q, open: before, rng: &rng) else {
                    return
                }
                let produced = cut(outcome, drafts: drafts, open: before, base: base)
                guard let next = produced.last else { return }
                let guess = Verdict.Provisional(accepted: produced.count - 1, next: next)
                provisional = guess
                provisionalSeconds = (ContinuousClock.now - started).seconds
                onProvisional(guess)
            }
        } else {
            rows = try session.evaluate([pending] + drafts)
        }
        cached.append(pending)
        cached.append(contentsOf: drafts)
        let outcome: VerificationOutcome
        do {
            outcome = try judge(rows, drafts: drafts, q: round.q, open: open, rng: &open.rng)
        } catch {
            // Undo the pass; if even that fails the cache is unknown and the client must re-open.
            do { try rollBack(to: base - 1) } catch { state = nil }
            throw error
        }

        let produced = cut(outcome, drafts: drafts, open: open, base: base)
        open.agreed.append(contentsOf: produced)
        open.generated += produced.count
        open.lastRound = round.round
        do {
            try rollBack(to: open.agreed.count - 1)
        } catch {
            state = nil  // the cache no longer matches anything we know: the client must re-open
            throw error
        }
        let next = produced.last ?? outcome.next
        open.finished =
            open.stops.contains(next) || open.generated >= open.request.maxTokens
            || open.agreed.count >= session.contextLength
        state = open
        return Verdict(
            round: round.round, accepted: produced.count - 1, next: next, finished: open.finished,
            timings: Verdict.Timings(provisionalSeconds: provisionalSeconds), provisional: provisional)
    }

    /// The verification rule over one pass's rows (row i judges draft i + 1; the last gives the bonus).
    private func judge(
        _ rows: [[Float]], drafts: [Int], q: [SparseDistribution]?, open: Open,
        rng: inout SamplerRNG
    ) throws -> VerificationOutcome {
        let vocabularySize = session.vocabularySize
        guard rows.count == drafts.count + 1, rows.allSatisfy({ $0.count == vocabularySize }) else {
            throw GenerationError.invalidModelOutput("expected \(drafts.count + 1) rows of \(vocabularySize) logits")
        }
        let agreed = open.agreed
        let shaper = open.shaper
        let distribution = { (i: Int) in shaper.distribution(rows[i], recent: agreed + drafts[..<i]) }
        if !open.request.sampling.isGreedy {
            return try SampledVerification.verify(drafts: drafts, q: q, target: distribution, using: &rng)
        }
        return GreedyVerification.verify(drafts: drafts) { argmax(distribution($0)) }
    }

    /// The tokens a round adds: the kept drafts and the verifier's token, cut at a stop token and at
    /// the limits.
    private func cut(_ outcome: VerificationOutcome, drafts: [Int], open: Open, base: Int) -> [Int] {
        var produced = Array(drafts[..<outcome.accepted]) + [outcome.next]
        let room = min(open.request.maxTokens - open.generated, session.contextLength - base)
        if produced.count > room { produced.removeLast(produced.count - max(room, 1)) }
        if let stop = produced.firstIndex(where: open.stops.contains) {
            produced.removeLast(produced.count - stop - 1)
        }
        return produced
    }

    func close() {
        state = nil
    }

    func route(_ request: RouteRequest) throws -> RouteAnswer {
        guard var open = state else { throw GenerationError.notOpen }
        guard !open.finished else { throw GenerationError.sessionFinished }
        guard request.base == open.agreed.count else {
            throw GenerationError.baseMismatch(expected: open.agreed.count, got: request.base)
        }
        guard request.round > open.lastRound else {
            throw GenerationError.roundOutOfOrder(last: open.lastRound, got: request.round)
        }
        guard request.span >= 1 else {
            throw GenerationError.invalidLimit(name: "route span", reason: "must be ≥ 1, got \(request.span)")
        }
        let base = open.agreed.count
        // The tokens and at least one answer must fit the token limit and the context. Checked before
        // anything that reads every token, so an oversized request is refused at once.
        let limit = min(open.request.maxTokens - open.generated, session.contextLength - base) - 1
        guard request.tokens.count <= limit else {
            throw GenerationError.windowTooLarge(requested: request.tokens.count, limit: max(0, limit))
        }
        let vocabularySize = session.vocabularySize
        for token in request.tokens where token < 0 || token >= vocabularySize {
            throw GenerationError.tokenOutOfRange(token: token, vocabularySize: vocabularySize)
        }
        if let stop = request.tokens.firstIndex(where: open.stops.contains) {
            throw GenerationError.invalidProposal(
                "token \(stop + 1) of \(request.tokens.count) is a stop token: the session ended there")
        }
        guard let pending = open.agreed.last else { throw GenerationError.notOpen }

        var sequence = open.agreed + request.tokens
        let span = min(request.span, limit + 1 - request.tokens.count)
        var answer: [Int] = []
        do {
            var rows = try session.evaluate([pending] + request.tokens)
            cached.append(pending)
            cached.append(contentsOf: request.tokens)
            while true {
                guard let row = rows.last, rows.count >= 1, row.count == vocabularySize else {
                    throw GenerationError.invalidModelOutput("expected rows of \(vocabularySize) logits")
                }
                let p = open.shaper.distribution(row, recent: sequence)
                let token =
                    open.request.sampling.isGreedy
                    ? argmax(p)
                    : try SampledVerification.verify(drafts: [], q: nil, target: { _ in p }, using: &open.rng).next
                answer.append(token)
                sequence.append(token)
                if answer.count >= span || open.stops.contains(token) { break }
                rows = try session.evaluate([token])
                cached.append(token)
            }
        } catch {
            do { try rollBack(to: base - 1) } catch { state = nil }
            throw error
        }
        open.agreed = sequence
        open.generated += request.tokens.count + answer.count
        open.lastRound = request.round
        let last = answer.last ?? pending
        open.finished =
            open.stops.contains(last) || open.generated >= open.request.maxTokens
            || open.agreed.count >= session.contextLength
        state = open
        return RouteAnswer(round: request.round, tokens: answer, finished: open.finished)
    }

    private func rollBack(to count: Int) throws {
        try session.truncate(to: count)
        cached.removeLast(max(0, cached.count - count))
    }
}
