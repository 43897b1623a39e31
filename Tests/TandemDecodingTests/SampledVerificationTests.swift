import TandemModel
import TandemModelAdapter
import TandemSampling
import TandemTestSupport
import Testing

@testable import TandemDecoding

/// The lossless rule: the distribution of generated sequences is the target's own, whatever the draft;
/// plain draft sampling fails the same test.
@Suite struct SampledVerificationTests {
    static let vocabularySize = 5
    static let target = ToyModel.hashed(vocabularySize: vocabularySize, seed: 11, scale: 2)
    static let draft = ToyModel.hashed(vocabularySize: vocabularySize, seed: 12, scale: 2)
    static let prompt = [1, 3]
    static let samples = 3000

    /// Exact probability of every length-3 continuation under the target's sampling distribution.
    static func exactTargetDistribution(_ sampling: SamplingParameters) throws -> [Int: Double] {
        let shaper = try SamplingDistribution.factory(sampling)
        var out: [Int: Double] = [:]
        let v = vocabularySize
        for code in 0..<(v * v * v) {
            let sequence = [code / (v * v), code / v % v, code % v]
            var context = prompt
            var probability = 1.0
            for token in sequence {
                probability *= Double(shaper.distribution(target.logits(context), recent: context)[token])
                context.append(token)
            }
            out[code] = probability
        }
        return out
    }

    static func code(_ tokens: [Int]) -> Int { tokens.reduce(0) { $0 * vocabularySize + $1 } }

    /// Runs `samples` seeded generations of three tokens and tests them against the target.
    static func chiSquare(_ sampling: SamplingParameters, generator: any TokenGenerator) async throws -> ChiSquare {
        var observed: [Int: Int] = [:]
        for run in 0..<samples {
            var s = sampling
            s.seed = UInt64(run) &* 0x9E37_79B9 &+ 7
            let result = try await generator.run(SessionRequest(prompt: prompt, sampling: s, maxTokens: 3))
            #expect(result.tokens.count == 3)
            observed[code(result.tokens), default: 0] += 1
        }
        return ChiSquare(observed: observed, probabilities: try exactTargetDistribution(sampling), samples: samples)
    }

    static let configurations: [(name: String, sampling: SamplingParameters, proposalTopK: Int)] = [
        ("T=1, q truncated to top-3", SamplingParameters(temperature: 1), 3),
        ("T=0.7, top-k 4, top-p 0.95", SamplingParameters(temperature: 0.7, topK: 4, topP: 0.95), 8),
    ]

    @Test(arguments: 0..<2)
    func assistedSamplingMatchesTheTarget(configuration: Int) async throws {
        let (name, sampling, topK) = Self.configurations[configuration]
        // Windows of 1, 2 and 3 in turn, so full windows (bonus tokens) and rejections both occur.
        let generator = makeAssisted(
            target: Self.target, draft: Self.draft, policy: DoublingWindow(initial: 1, maxWindow: 4),
            proposalTopK: topK)
        let test = try await Self.chiSquare(sampling, generator: generator)
        #expect(
            !test.rejectsAtOnePerMille,
            "\(name): chi-square \(test.statistic) > \(test.criticalValue) (df \(test.degreesOfFreedom)), impossible \(test.impossibleObserved)"
        )
        #expect(test.degreesOfFreedom >= 20)
    }

    @Test func plainDraftSamplingIsRejected() async throws {
        let (_, sampling, topK) = Self.configurations[0]
        let generator = DraftOnlyGenerator(drafter: ModelDrafter(session: Self.draft.makeSession(), proposalTopK: topK))
        let test = try await Self.chiSquare(sampling, generator: generator)
        #expect(test.rejectsAtOnePerMille, "chi-square \(test.statistic) vs \(test.criticalValue)")
        #expect(test.statistic > 5 * test.criticalValue)
    }

    @Test func targetOnlySamplingMatchesTheTarget() async throws {
        let (_, sampling, _) = Self.configurations[1]
        let generator = TargetOnlyGenerator(verifier: InProcessVerifier(session: Self.target.makeSession()))
        let test = try await Self.chiSquare(sampling, generator: generator)
        #expect(!test.rejectsAtOnePerMille, "chi-square \(test.statistic) vs \(test.criticalValue)")
    }

    @Test func seededRunsAreReproducible() async throws {
        let request = SessionRequest(
            prompt: Self.prompt, sampling: SamplingParameters(temperature: 1, seed: 42), maxTokens: 40)
        let a = try await makeAssisted(target: Self.target, draft: Self.draft, policy: FixedWindow(3)).run(request)
        let b = try await makeAssisted(target: Self.target, draft: Self.draft, policy: FixedWindow(3)).run(request)
        #expect(a.tokens == b.tokens && a.stats.accepted == b.stats.accepted)
        var other = request
        other.sampling.seed = 43
        let c = try await makeAssisted(target: Self.target, draft: Self.draft, policy: FixedWindow(3)).run(other)
        #expect(c.tokens != a.tokens)
    }

    // MARK: - The rule alone

    @Test func oneStepOutputIsDistributedAsP() throws {
        // Draft from q, verify against p: the token that comes out (kept draft or correction) ~ p.
        let p: [Float] = [0.5, 0.2, 0.2, 0.1, 0]
        let q = SparseDistribution(ids: [3, 4, 0], probabilities: [0.5, 0.3, 0.2])
        var rng = SamplerRNG(seed: 5)
        var observed: [Int: Int] = [:]
        let n = 20_000
        for _ in 0..<n {
            let draft = q.sample(using: &rng)!
            let outcome = try SampledVerification.verify(drafts: [draft], q: [q], target: { _ in p }, using: &rng)
            observed[outcome.accepted == 1 ? draft : outcome.next, default: 0] += 1
        }
        let expected = Dictionary(uniqueKeysWithValues: p.enumerated().map { ($0.offset, Double($0.element)) })
        let test = ChiSquare(observed: observed, probabilities: expected, samples: n)
        #expect(!test.rejectsAtOnePerMille, "chi-square \(test.statistic) vs \(test.criticalValue)")
        #expect(test.impossibleObserved == 0, "token 4 has p = 0 and must never come out")
    }

    @Test func equalDistributionsAlwaysAccept() throws {
        let p: [Float] = [0.1, 0.6, 0.3]
        let q = [
            SparseDistribution(ids: [0, 1, 2], probabilities: p), SparseDistribution(ids: [0, 1, 2], probabilities: p),
        ]
        var rng = SamplerRNG(seed: 1)
        for drafts in [[0, 1], [2, 2], [1, 0]] {
            let outcome = try SampledVerification.verify(drafts: drafts, q: q, target: { _ in p }, using: &rng)
            #expect(outcome.accepted == 2)
        }
    }

    @Test func draftWithNoTargetMassIsAlwaysRejected() throws {
        let p: [Float] = [0.7, 0, 0.3]
        var rng = SamplerRNG(seed: 3)
        for _ in 0..<200 {
            // q nil: a deterministic draft (q one-hot) accepted with probability p(d) = 0.
            let outcome = try SampledVerification.verify(drafts: [1, 0], q: nil, target: { _ in p }, using: &rng)
            #expect(outcome.accepted == 0 && outcome.next != 1)
        }
    }

    @Test func draftOutsideItsQIsRefused() {
        var rng = SamplerRNG(seed: 3)
        let q = [SparseDistribution(ids: [0, 2], probabilities: [0.5, 0.5])]
        #expect(throws: GenerationError.self) {
            try SampledVerification.verify(drafts: [1], q: q, target: { _ in [0.3, 0.3, 0.4] }, using: &rng)
        }
        #expect(throws: GenerationError.self) {
            try SampledVerification.verify(drafts: [1], q: [], target: { _ in [0.3, 0.3, 0.4] }, using: &rng)
        }
        #expect(throws: GenerationError.self) {
            try SampledVerification.verify(drafts: [0], q: q, target: { _ in [0, 0, 0] }, using: &rng)
        }
    }
}
