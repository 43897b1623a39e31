import TandemSampling

/// The draft model in routing mode: generates one token at a time with its confidence, and rolls back
/// when the cloud's token replaces one of its guesses.
///
/// Keeps the last token of its sequence out of the cache (evaluated with the next step), like the
/// verifier; all compute runs on its `ComputeQueue`.
final class RoutingDraft: Sendable {
    /// The draft's token for the next position and how sure it is of it.
    struct Step: Sendable, Equatable {
        var token: Int
        var confidence: Double
    }

    private let queue: ComputeQueue
    private let core: ExclusiveCore<RoutingDraftCore>
    let contextLength: Int
    let vocabularySize: Int

    init(session: sending some LanguageModelSession, queue: ComputeQueue, shaper: @escaping ShaperFactory) {
        self.queue = queue
        let core = RoutingDraftCore(session: session, makeShaper: shaper)
        contextLength = core.contextLength
        vocabularySize = core.vocabularySize
        self.core = ExclusiveCore(core)
    }

    /// Starts from `request.prompt`, scoring confidence with `router` when given (the session must
    /// then give hidden states), else with `score`.
    func start(_ request: SessionRequest, score: ConfidenceScore, router: LearnedRouter? = nil) async throws {
        let core = self.core
        try await queue.perform { try core.withLock { try $0.start(request, score: score, router: router) } }
    }

    /// The draft's token after the sequence (not appended).
    func next() async throws -> Step {
        let core = self.core
        return try await queue.perform { try core.withLock { try $0.next() } }
    }

    /// Appends `tokens` to the sequence.
    func append(_ tokens: [Int]) async throws {
        let core = self.core
        try await queue.perform { core.withLock { $0.append(tokens) } }
    }

    /// Rolls the sequence back to its first `length` tokens.
    func truncate(to length: Int) async throws {
        let core = self.core
        try await queue.perform { try core.withLock { try $0.truncate(to: length) } }
    }
}

/// The routing draft's state, behind an `ExclusiveCore` (and run on its `ComputeQueue`).
private final class RoutingDraftCore {
    private let session: any LanguageModelSession
    private let makeShaper: ShaperFactory
    private var shaper: (any DistributionShaper)?
    private var sampling = SamplingParameters.greedy
    private var score = ConfidenceScore.topProbability
    private var router: LearnedRouter?
    private var rng = SamplerRNG(seed: 0)
    private var sequence: [Int] = []
    /// What the cache holds: a prefix of `sequence`.
    private var cached: [Int] = []
    /// The logits after the whole sequence, once computed.
    private var lastRow: [Float]?
    /// The hidden state behind `lastRow` (only with a router).
    private var lastHidden: [Float]?

    /// Mixed into the session seed so the draft's stream is independent of the verifier's.
    static let seedSalt: UInt64 = 0x2007_E5EE_D000_0001

    let contextLength: Int
    let vocabularySize: Int

    init(session: sending some LanguageModelSession, makeShaper: @escaping ShaperFactory) {
        self.session = session
        self.makeShaper = makeShaper
        contextLength = session.contextLength
        vocabularySize = session.vocabularySize
    }

    func start(_ request: SessionRequest, score: ConfidenceScore, router: LearnedRouter?) throws {
        shaper = nil
        try request.validate(vocabularySize: vocabularySize, contextLength: contextLength)
        if let router {
            try router.validate()
            guard session is any HiddenStateSession else {
                throw GenerationError.invalidLimit(
                    name: "router", reason: "the draft's session gives no hidden states to a learned router")
            }
        }
        let newShaper = try makeShaper(request.sampling)
        try session.truncate(to: 0)
        cached = []
        lastRow = nil
        lastHidden = nil
        let head = Array(request.prompt.dropLast())
        try session.prefill(head)
        cached = head
        sequence = request.prompt
        sampling = request.sampling
        self.score = score
        self.router = router
        rng = SamplerRNG(seed: request.sampling.seed ^ Self.seedSalt)
        shaper = newShaper
    }

    func next() throws -> RoutingDraft.Step {
        guard let shaper else { throw GenerationError.notOpen }
        let row: [Float]
        if let lastRow {
            row = lastRow
        } else {
            let pending = Array(sequence[cached.count...])
            let rows: [[Float]]
            if router != nil, let hiddenSession = session as? any HiddenStateSession {
                let evaluated = try hiddenSession.evaluateWithHiddenStates(pending)
                rows = evaluated.logits
                lastHidden = evaluated.hidden.last
            } else {
                rows = try session.evaluate(pending)
            }
            guard let evaluated = rows.last, evaluated.count == vocabularySize else {
                throw GenerationError.invalidModelOutput("the draft returned no row of \(vocabularySize) logits")
            }
            cached = sequence
            lastRow = evaluated
            row = evaluated
        }
        let p = shaper.distribution(row, recent: sequence)
        if sampling.isGreedy {
            // A greedy distribution is one-hot: confidence is measured on the model's own softmax.
            return RoutingDraft.Step(token: argmax(p), confidence: try confidence(ConfidenceScore.softmax(row)))
        }
        let token = try SampledVerification.verify(drafts: [], q: nil, target: { _ in p }, using: &rng).next
        return RoutingDraft.Step(token: token, confidence: try confidence(p))
    }

    /// The position's confidence: the learned router's on the hidden state and `probabilities`, else
    /// the score's on `probabilities`.
    private func confidence(_ probabilities: [Float]) throws -> Double {
        guard let router else { return score.confidence(probabilities) }
        guard let hidden = lastHidden else {
            throw GenerationError.invalidModelOutput("the draft gave no hidden state for the router")
        }
        return try router.confidence(features: LearnedRouter.features(hidden: hidden, probabilities: probabilities))
    }

    func append(_ tokens: [Int]) {
        guard !tokens.isEmpty else { return }
        sequence.append(contentsOf: tokens)
        lastRow = nil
        lastHidden = nil
    }

    func truncate(to length: Int) throws {
        let length = max(1, min(length, sequence.count))
        guard length < sequence.count else { return }
        sequence.removeLast(sequence.count - length)
        lastRow = nil
        lastHidden = nil
        var common = 0
        let limit = min(cached.count, sequence.count - 1)
        while common < limit, cached[common] == sequence[common] { common += 1 }
        if common < cached.count {
            try session.truncate(to: common)
            cached.removeLast(cached.count - common)
        }
    }
}
