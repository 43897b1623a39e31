import Synchronization
import TandemSampling

/// A `Drafter` over a draft model's `LanguageModelSession`: drafts k tokens autoregressively and rolls
/// its cache back to the agreed sequence after the verdict.
///
/// Under greedy sampling it proposes the draft's argmax (q omitted: one-hot). Otherwise it samples each
/// draft from q = the draft's sampling distribution (the session's parameters) truncated to its
/// `proposalTopK` most likely tokens and renormalised, and sends that q: it is exactly what the draft
/// was drawn from, and small on the wire.
///
/// Like the verifier it keeps its last agreed token out of the cache (fed with the next window), and
/// runs all compute on its `ComputeQueue`.
public final class ModelDrafter: Drafter {
    private let queue: ComputeQueue
    private let core: ExclusiveCore<DrafterCore>

    /// - Parameters:
    ///   - session: the draft model's session, handed over.
    ///   - queue: the draft model's compute queue.
    ///   - proposalTopK: how many tokens each sampled q keeps.
    ///   - shaper: makes the draft's sampling distribution for a session's parameters.
    public init(
        session: sending some LanguageModelSession, queue: ComputeQueue = ComputeQueue(label: "tandem.drafter"),
        proposalTopK: Int = 8, shaper: @escaping ShaperFactory = SamplingDistribution.factory
    ) {
        self.queue = queue
        core = ExclusiveCore(DrafterCore(session: session, proposalTopK: max(1, proposalTopK), makeShaper: shaper))
    }

    public func start(_ request: SessionRequest) async throws {
        let core = self.core
        try await queue.perform { try core.withLock { try $0.start(request) } }
    }

    public func propose(_ count: Int) async throws -> DraftProposal {
        let core = self.core
        return try await queue.perform { try core.withLock { try $0.propose(count) } }
    }

    public func propose(_ count: Int, stopRule: DraftStopRule?) async throws -> DraftProposal {
        let core = self.core
        return try await queue.perform { try core.withLock { try $0.propose(count, stopRule: stopRule) } }
    }

    public func advance(_ tokens: [Int]) async throws {
        let core = self.core
        try await queue.perform { try core.withLock { try $0.advance(tokens) } }
    }

    public func speculate(after tokens: [Int], count: Int, stopRule: DraftStopRule?) async throws -> DraftProposal? {
        let core = self.core
        let cancelled = CancelFlag()
        return try await withTaskCancellationHandler {
            try await queue.perform {
                try core.withLock {
                    try $0.speculate(after: tokens, count: count, stopRule: stopRule) { cancelled.isSet }
                }
            }
        } onCancel: {
            cancelled.set()
        }
    }

    public func guessNext(after tokens: [Int]) async throws -> Int? {
        let core = self.core
        return try await queue.perform { try core.withLock { try $0.guessNext(after: tokens) } }
    }
}

/// The drafter's state, behind an `ExclusiveCore` (and run on the drafter's `ComputeQueue`).
private final class DrafterCore {
    private let session: any LanguageModelSession
    private let proposalTopK: Int
    private let makeShaper: ShaperFactory
    private var shaper: (any DistributionShaper)?
    private var sampling = SamplingParameters.greedy
    private var stopTokens: Set<Int> = []
    private var rng = SamplerRNG(seed: 0)
    /// The agreed sequence.
    private var agreed: [Int] = []
    /// What the cache holds: a prefix of `agreed` followed by the last window's drafts (or, after a
    /// speculation, a prefix of its base followed by its drafts).
    private var cached: [Int] = []
    /// The outstanding speculative window: the tokens it assumed after `agreed`, and the random stream
    /// as it was before it drew its drafts.
    private var speculation: (tokens: [Int], rng: SamplerRNG)?

    /// Mixed into the session seed so the draft's stream is independent of the verifier's.
    static let seedSalt: UInt64 = 0xD1AF_7ED0_5EED_0001

    init(session: sending some LanguageModelSession, proposalTopK: Int, makeShaper: @escaping ShaperFactory) {
        self.session = session
        self.proposalTopK = proposalTopK
        self.makeShaper = makeShaper
    }

    func start(_ request: SessionRequest) throws {
        shaper = nil
        speculation = nil
        try request.validate(vocabularySize: session.vocabularySize, contextLength: session.contextLength)
        let newShaper = try makeShaper(request.sampling)
        let target = Array(request.prompt.dropLast())
        var common = 0
        if session.count == cached.count {
            while common < min(cached.count, target.count), cached[common] == target[common] { common += 1 }
        }
        try session.truncate(to: common)
        cached = Array(target.prefix(common))
        try session.prefill(Array(target[common...]))
        cached = target
        agreed = request.prompt
        sampling = request.sampling
        stopTokens = Set(request.stopTokens)
        rng = SamplerRNG(seed: request.sampling.seed ^ Self.seedSalt)
        shaper = newShaper
    }

    func propose(_ count: Int, stopRule: DraftStopRule? = nil) throws -> DraftProposal {
        discardSpeculation()
        return try draft(after: agreed, count: count, stopRule: stopRule, cancelled: { false })
    }

    func speculate(after tokens: [Int], count: Int, stopRule: DraftStopRule? = nil, cancelled: () -> Bool) throws
        -> DraftProposal
    {
        discardSpeculation()
        let rngBefore = rng
        let proposal = try draft(after: agreed + tokens, count: count, stopRule: stopRule, cancelled: cancelled)
        speculation = (tokens, rngBefore)
        return proposal
    }

    /// The draft's most likely token after `agreed` + `tokens`, with `agreed` + `tokens` left in the
    /// cache (all of it: a following `speculate(after: tokens + [guess])` evaluates only the guess).
    /// Draws nothing from the random stream; nil when the context has no room for it.
    func guessNext(after tokens: [Int]) throws -> Int? {
        guard let shaper else { throw GenerationError.notOpen }
        discardSpeculation()
        let sequence = agreed + tokens
        guard !sequence.isEmpty, sequence.count < session.contextLength else { return nil }
        try sync(to: sequence)
        guard let logits = try session.evaluate(Array(sequence[cached.count...])).last else {
            throw GenerationError.invalidModelOutput("the draft returned no logits")
        }
        cached = sequence
        guard logits.count == session.vocabularySize else {
            throw GenerationError.invalidModelOutput("expected \(session.vocabularySize) logits, got \(logits.count)")
        }
        return argmax(shaper.distribution(logits, recent: sequence))
    }

    /// Drafts up to `count` tokens after `sequence`, leaving `sequence` + the drafts but the last in the
    /// cache; stops early (with what it has) when `cancelled` says so, or where `stopRule` says.
    private func draft(
        after sequence: [Int], count: Int, stopRule: DraftStopRule? = nil,
        cancelled: () -> Bool
    ) throws -> DraftProposal {
        guard let shaper else { throw GenerationError.notOpen }
        let agreed = sequence
        // After the window the cache holds agreed + d1 … d(k−1).
        let room = session.contextLength - agreed.count + 1
        let k = min(count, room)
        guard k > 0 else { return .empty }
        try sync(to: agreed)
        let vocabularySize = session.vocabularySize
        guard let first = try session.evaluate(Array(agreed[cached.count...])).last else {
            throw GenerationError.invalidModelOutput("the draft returned no logits")
        }
        cached = agreed
        var logits = first
        var drafts: [Int] = []
        var qs: [SparseDistribution] = []
        var probabilities: [Double] = []
        // Estimated probability that every draft so far is accepted.
        var reach = 1.0
        while true {
            guard logits.count == vocabularySize else {
                throw GenerationError.invalidModelOutput("expected \(vocabularySize) logits, got \(logits.count)")
            }
            let dense = shaper.distribution(logits, recent: agreed + drafts)
            let token: Int
            if sampling.isGreedy {
                token = argmax(dense)
            } else {
                let q = SparseDistribution.topK(dense, k: proposalTopK)
                guard let drawn = q.sample(using: &rng) else {
                    throw GenerationError.invalidDistribution("the draft's distribution has no mass")
                }
                token = drawn
                qs.append(q)
            }
            drafts.append(token)
            if let stopRule {
                let p = Self.probability(of: token, logits: logits, shaped: dense, greedy: sampling.isGreedy)
                probabilities.append(p)
                reach *= stopRule.acceptance(ofProbability: p)
            }
            if drafts.count == k || stopTokens.contains(token) || cancelled() { break }
            if let stopRule, reach < stopRule.threshold { break }
            guard let row = try session.evaluate([token]).last else {
                throw GenerationError.invalidModelOutput("the draft returned no logits")
            }
            cached.append(token)
            logits = row
        }
        return DraftProposal(
            tokens: drafts, q: sampling.isGreedy ? nil : qs, probabilities: stopRule == nil ? nil : probabilities)
    }

    /// The draft's own probability of `token`: under greedy sampling the shaped distribution is one-hot,
    /// so the softmax of the raw logits; otherwise the distribution it was drawn from.
    static func probability(of token: Int, logits: [Float], shaped: [Float], greedy: Bool) -> Double {
        if greedy { return Double(ConfidenceScore.softmax(logits)[token]) }
        let total = shaped.reduce(0.0) { $0 + ($1.isFinite && $1 > 0 ? Double($1) : 0) }
        return total > 0 ? Double(max(shaped[token], 0)) / total : 0
    }

    func advance(_ tokens: [Int]) throws {
        if let speculation, speculation.tokens == tokens {
            // The speculation assumed exactly these tokens: its window stays in the cache, as after a
            // `propose` of it, and its draws stay drawn.
            self.speculation = nil
            agreed.append(contentsOf: tokens)
            return
        }
        discardSpeculation()
        agreed.append(contentsOf: tokens)
        try sync(to: agreed)
    }

    /// Forgets an outstanding speculation: its random draws are undone (its cache positions are
    /// rolled back by the next `sync`).
    private func discardSpeculation() {
        if let speculation {
            rng = speculation.rng
            self.speculation = nil
        }
    }

    /// Truncates the cache to the longest prefix of `sequence` it holds, keeping its last token out.
    private func sync(to sequence: [Int]) throws {
        let agreed = sequence
        var common = 0
        let limit = min(cached.count, agreed.count - 1)
        while common < limit, cached[common] == agreed[common] { common += 1 }
        if common < cached.count {
            try session.truncate(to: common)
            cached.removeLast(cached.count - common)
        }
    }
}

/// A flag a task's cancellation handler sets and compute on another thread polls.
private final class CancelFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
