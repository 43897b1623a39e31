import TandemModel
import TandemModelAdapter
import TandemSampling
import Testing

@testable import TandemDecoding

/// The default shaper (the engine's `Sampler`) and RNG (`SamplerRNG`) keep the values the decoding
/// core was first written against (golden values printed by the engine).
@Suite struct SamplingDistributionTests {
    static let logits: [Float] = [1.0, 2.5, -0.5, 2.5, 0.3, -3.0]

    static let cases: [(SamplingParameters, [Float])] = [
        (SamplingParameters(temperature: 0.7, topK: 3), [0.055409294, 0.47229534, 0, 0.47229534, 0, 0]),
        (SamplingParameters(temperature: 1, topP: 0.8), [0, 0.5, 0, 0.5, 0, 0]),
        (SamplingParameters(temperature: 1.2, minP: 0.3, repeatPenalty: 1.5), [0, 0.33304513, 0, 0.6669549, 0, 0]),
        (.greedy, [0, 1, 0, 0, 0, 0]),
    ]

    @Test(arguments: 0..<4)
    func matchesTheEngineSampler(index: Int) throws {
        let (parameters, expected) = Self.cases[index]
        let p = try SamplingDistribution.factory(parameters).distribution(Self.logits, recent: [1, 4])
        #expect(p.count == expected.count)
        for (a, b) in zip(p, expected) { #expect(abs(a - b) < 1e-6, "\(parameters): \(p)") }
    }

    @Test func rngMatchesTheEngineStream() {
        var rng = SamplerRNG(seed: 42)
        #expect(
            (0..<3).map { _ in rng.next() } == [
                1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009,
            ])
    }

    @Test func invalidParametersAreRefused() {
        #expect(throws: GenerationError.invalidSampling(parameter: "top-p", reason: "must be in (0, 1], got 1.5")) {
            try SamplingDistribution.factory(SamplingParameters(topP: 1.5))
        }
        #expect(throws: GenerationError.self) {
            try SamplingDistribution.factory(SamplingParameters(temperature: .nan))
        }
        #expect(throws: GenerationError.self) { try SamplingDistribution.factory(SamplingParameters(topK: -1)) }
    }

    @Test func sparseTopKIsRenormalised() throws {
        let q = SparseDistribution.topK([0.1, 0.4, 0, 0.3, 0.2], k: 3)
        #expect(q.ids == [1, 3, 4])
        #expect(abs(q.probability(of: 1) - 4.0 / 9) < 1e-6 && q.probability(of: 0) == 0)
        try q.validate(vocabularySize: 5)
        #expect(throws: GenerationError.self) { try q.validate(vocabularySize: 4) }
        #expect(throws: GenerationError.self) {
            try SparseDistribution(ids: [1, 1], probabilities: [0.5, 0.5]).validate(vocabularySize: 5)
        }
        #expect(throws: GenerationError.self) {
            try SparseDistribution(ids: [1, 2], probabilities: [1.5, -0.5]).validate(vocabularySize: 5)
        }
    }
}
