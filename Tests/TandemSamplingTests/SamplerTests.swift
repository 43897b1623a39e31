import Foundation
import Testing

@testable import TandemSampling

@Suite("sampler")
struct SamplerTests {
    static func softmax(_ logits: [Float], temperature: Double = 1) -> [Double] {
        let m = Double(logits.max()!)
        let e = logits.map { exp((Double($0) - m) / temperature) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    static func support(_ p: [Float]) -> Set<Int> {
        Set(p.indices.filter { p[$0] > 0 })
    }

    @Test func greedyIsArgmaxTiesToLowestId() throws {
        var sampler = try Sampler(config: .greedy)
        let logits: [Float] = [1, 3, -2, 3, 2.5]
        let result = sampler.sample(logits, returnDistribution: true)
        #expect(result.token == 1)
        #expect(result.probabilities == [0, 1, 0, 0, 0])
        #expect(Sampler.argmax([.nan, -1, -1]) == 1)
        #expect(Sampler.argmax([-.infinity, -.infinity]) == 0)
        #expect(Sampler.argmax([0, 0, 0, 0]) == 0)
        // Greedy ignores the PRNG entirely.
        var other = try Sampler(config: SamplerConfig(temperature: 0, seed: 99))
        #expect(other.sample(logits).token == 1)
    }

    @Test func seededSamplingIsReproducible() throws {
        let logits: [Float] = (0..<50).map { Float(sin(Double($0))) * 2 }
        let config = SamplerConfig(temperature: 1.3, topK: 30, topP: 0.95, minP: 0.01, seed: 1234)
        var a = try Sampler(config: config)
        var b = try Sampler(config: config)
        let sa = (0..<200).map { _ in a.sample(logits).token }
        let sb = (0..<200).map { _ in b.sample(logits).token }
        #expect(sa == sb)
        var c = try Sampler(config: SamplerConfig(temperature: 1.3, topK: 30, topP: 0.95, minP: 0.01, seed: 1235))
        let sc = (0..<200).map { _ in c.sample(logits).token }
        #expect(sa != sc)
        // The PRNG itself is a fixed function of the seed.
        var r1 = SamplerRNG(seed: 42)
        var r2 = SamplerRNG(seed: 42)
        #expect((0..<10).map { _ in r1.next() } == (0..<10).map { _ in r2.next() })
        var r3 = SamplerRNG(seed: 7)
        for _ in 0..<1000 {
            let u = r3.nextUnit()
            #expect(u >= 0 && u < 1)
        }
    }

    @Test func topKKeepsTheKLargest() throws {
        let logits: [Float] = [0.1, 2, -1, 2, 5, 0.3, 3]
        let sampler = try Sampler(config: SamplerConfig(topK: 3))
        #expect(Self.support(sampler.distribution(logits)) == [4, 6, 1])  // tie 2 vs 2: lower id (1) kept
        let one = try Sampler(config: SamplerConfig(topK: 1))
        #expect(Self.support(one.distribution(logits)) == [4])
        let off = try Sampler(config: SamplerConfig(topK: 0))
        #expect(Self.support(off.distribution(logits)) == Set(0..<7))
        // The kept tokens keep their relative probabilities.
        let p = sampler.distribution(logits)
        let expected = Self.softmax([5, 3, 2])
        #expect(abs(Double(p[4]) - expected[0]) < 1e-6)
        #expect(abs(Double(p[6]) - expected[1]) < 1e-6)
        #expect(abs(Double(p[1]) - expected[2]) < 1e-6)
    }

    @Test func topPKeepsTheSmallestSetReachingP() throws {
        let probs: [Double] = [0.05, 0.5, 0.15, 0.3]
        let logits = probs.map { Float(log($0)) }
        func kept(_ p: Float) throws -> Set<Int> {
            Self.support(try Sampler(config: SamplerConfig(topP: p)).distribution(logits))
        }
        #expect(try kept(0.4) == [1])
        #expect(try kept(0.7) == [1, 3])
        #expect(try kept(0.85) == [1, 3, 2])
        #expect(try kept(0.99) == [0, 1, 2, 3])
        #expect(try kept(1) == [0, 1, 2, 3])
        // Renormalised over the kept set.
        let p = try Sampler(config: SamplerConfig(topP: 0.7)).distribution(logits)
        #expect(abs(Double(p[1]) - 0.5 / 0.8) < 1e-6)
    }

    @Test func minPKeepsTokensAboveAFractionOfTheTop() throws {
        let probs: [Double] = [0.05, 0.5, 0.15, 0.3]
        let logits = probs.map { Float(log($0)) }
        func kept(_ m: Float) throws -> Set<Int> {
            Self.support(try Sampler(config: SamplerConfig(minP: m)).distribution(logits))
        }
        #expect(try kept(0.5) == [1, 3])  // ≥ 0.25
        #expect(try kept(0.2) == [1, 2, 3])  // ≥ 0.10
        #expect(try kept(0.05) == [0, 1, 2, 3])
        #expect(try kept(0.9) == [1])
    }

    @Test func temperatureTowardZeroBehavesAsGreedy() throws {
        let logits: [Float] = [0.5, 2.0, 1.99, -3]
        var cold = try Sampler(config: SamplerConfig(temperature: 1e-4, seed: 3))
        for _ in 0..<500 { #expect(cold.sample(logits).token == 1) }
        let p = cold.distribution(logits)
        #expect(p[1] > 0.999999)
        var zero = try Sampler(config: SamplerConfig(temperature: 0, seed: 3))
        #expect(zero.sample(logits).token == 1)
        var negative = try Sampler(config: SamplerConfig(temperature: -1))
        #expect(negative.sample(logits).token == 1)
    }

    @Test func repetitionPenaltyFollowsLlamaCpp() throws {
        let logits: [Float] = [2, -2, 1, 0.5, 0]
        let sampler = try Sampler(config: SamplerConfig(repeatPenalty: 2, repeatLastN: 64))
        #expect(sampler.penalized(logits, recent: [0, 1, 1, 4]) == [1, -4, 1, 0.5, 0])
        // Only the last N tokens count.
        let short = try Sampler(config: SamplerConfig(repeatPenalty: 2, repeatLastN: 2))
        #expect(short.penalized(logits, recent: [0, 1, 3]) == [2, -4, 1, 0.25, 0])
        let off = try Sampler(config: SamplerConfig(repeatPenalty: 2, repeatLastN: 0))
        #expect(off.penalized(logits, recent: [0, 1]) == logits)
        let all = try Sampler(config: SamplerConfig(repeatPenalty: 2, repeatLastN: -1))
        #expect(all.penalized(logits, recent: [0, 2, 3]) == [1, -2, 0.5, 0.25, 0])
        // Greedy applies the penalty before the argmax.
        var greedy = try Sampler(config: SamplerConfig(temperature: 0, repeatPenalty: 3))
        #expect(greedy.sample([2, 1.5, 0], recent: [0]).token == 1)
    }

    @Test func samplingFrequenciesMatchSoftmax() throws {
        let logits: [Float] = [1.0, 0.2, -0.5, 2.1, 0.0, 1.4]
        let temperature = 0.7
        var sampler = try Sampler(config: SamplerConfig(temperature: Float(temperature), seed: 2024))
        let n = 20_000
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<n { counts[sampler.sample(logits).token] += 1 }
        let p = Self.softmax(logits, temperature: temperature)
        for i in logits.indices {
            let mean = Double(n) * p[i]
            let sd = (Double(n) * p[i] * (1 - p[i])).squareRoot()
            #expect(abs(Double(counts[i]) - mean) < 4 * sd, "token \(i): \(counts[i]) vs \(mean) ± \(sd)")
        }
        // The returned distribution is the same softmax.
        let dist = sampler.sample(logits, returnDistribution: true).probabilities!
        for i in logits.indices { #expect(abs(Double(dist[i]) - p[i]) < 1e-6) }
    }

    @Test func drawFromAnExplicitDistribution() throws {
        var sampler = try Sampler(config: SamplerConfig(seed: 5))
        #expect(sampler.draw(from: [0, 0, 1, 0]) == 2)
        var counts = [0, 0]
        for _ in 0..<10_000 { counts[sampler.draw(from: [0.25, 0.75])] += 1 }
        #expect(abs(counts[1] - 7500) < 4 * 43)
    }

    @Test func invalidParametersAreRejected() {
        #expect(throws: SamplerError.self) { try Sampler(config: SamplerConfig(topP: 0)) }
        #expect(throws: SamplerError.self) { try Sampler(config: SamplerConfig(topK: -1)) }
        #expect(throws: SamplerError.self) { try Sampler(config: SamplerConfig(minP: 2)) }
        #expect(throws: SamplerError.self) { try Sampler(config: SamplerConfig(repeatPenalty: 0)) }
        #expect(throws: SamplerError.self) { try Sampler(config: SamplerConfig(temperature: .nan)) }
    }
}
