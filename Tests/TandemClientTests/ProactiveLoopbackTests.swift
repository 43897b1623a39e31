import Foundation
import TandemDecoding
import TandemLoopbackSupport
import TandemModel
import TandemServer
import TandemTestSupport
import Testing

@testable import TandemClient

/// Proactive drafting over a real loopback socket: the drafter drafts the next window while the round
/// travels and is verified; the output stays exactly the target's, with and without it, and a draft
/// the target always rejects rolls every speculation back.
@Suite("Proactive drafting over a loopback server", .serialized, .timeLimit(.minutes(5)))
struct ProactiveLoopbackTests {
    static let exactHead = Toys.target.withEarlyExit(Toys.target)
    static let wrongHead = Toys.target.withEarlyExit(ToyModel.perturbed(Toys.target, disagreement: 1, seed: 5))
    static let alwaysWrong = ToyModel.perturbed(Toys.target, disagreement: 1)

    static func policy(_ name: String) -> any WindowPolicy {
        switch name {
        case "doubling": DoublingWindow()
        case "adaptive": CostModelWindow()
        case "adaptive stopping": ConfidenceStoppingWindow(costModel: CostModelWindow(minWindow: 1, maxWindow: 16))
        default: FixedWindow(Int(name) ?? 1)
        }
    }

    @Test("greedy output with proactive drafting ≡ without ≡ the target's, at every window")
    func everyWindow() async throws {
        let prompt = [1, 5, 9]
        let expected = Toys.target.greedy(prompt: prompt, count: 40)
        try await withServer { server in
            for window in ["1", "2", "4", "8", "doubling", "adaptive", "adaptive stopping"] {
                let plain = try await toyClient(server, policy: Self.policy(window)).run(
                    SessionRequest(prompt: prompt, maxTokens: 40))
                let proactive = try await toyClient(server, policy: Self.policy(window), proactive: true)
                    .run(SessionRequest(prompt: prompt, maxTokens: 40))
                #expect(plain.result.tokens == expected, "window \(window)")
                #expect(proactive.result.tokens == expected, "window \(window), proactive")
                let s = proactive.result.counters
                #expect(s.proactiveRounds > 0, "window \(window)")
                #expect(s.proactiveHits <= s.proactiveRounds)
                #expect(plain.result.counters.proactiveRounds == 0)
            }
        }
    }

    @Test("forced misses over the socket roll back and still give the target's output")
    func forcedMisses() async throws {
        let prompt = [2, 4, 6]
        let expected = Toys.target.greedy(prompt: prompt, count: 40)
        try await withServer { server in
            for window in ["1", "4", "adaptive"] {
                let client = toyClient(server, policy: Self.policy(window), draft: Self.alwaysWrong, proactive: true)
                var streamed: [Int] = []
                var final: GenerationResult?
                for try await event in client.generate(SessionRequest(prompt: prompt, maxTokens: 40)) {
                    switch event {
                    case .token(let id, _): streamed.append(id)
                    case .finished(let result, _): final = result
                    }
                }
                let result = try #require(final)
                #expect(streamed == result.tokens)
                #expect(result.tokens == expected, "window \(window)")
                #expect(result.counters.proactiveHits == 0, "window \(window)")
                #expect(result.counters.proactiveReusedDrafts == 0, "window \(window)")
            }
        }
    }

    @Test("with early exits on, the provisional verdict steers the speculation; output unchanged")
    func steeredByProvisionals() async throws {
        let prompt = [1, 5, 9]
        let expected = Toys.target.greedy(prompt: prompt, count: 40)
        for (name, target) in [("exact", Self.exactHead), ("wrong", Self.wrongHead)] {
            try await withServer(model: Toys.targetModel(target)) { server in
                for window in ["1", "4", "doubling", "adaptive"] {
                    let result = try await toyClient(
                        server, policy: Self.policy(window), preemptive: true, proactive: true
                    )
                    .run(SessionRequest(prompt: prompt, maxTokens: 40)).result
                    #expect(result.tokens == expected, "\(name), window \(window)")
                    #expect(result.counters.provisionals == result.counters.rounds, "\(name), window \(window)")
                    #expect(result.counters.proactiveRounds > 0, "\(name), window \(window)")
                }
            }
        }
    }

    @Test("sampled output is unchanged by proactive drafting for a seed")
    func sampledOverTheSocket() async throws {
        let prompt = [3, 1, 4]
        try await withServer { server in
            for window in ["1", "4", "doubling"] {
                for seed: UInt64 in [7, 8] {
                    let request = SessionRequest(
                        prompt: prompt, sampling: SamplingParameters(temperature: 1, seed: seed), maxTokens: 40)
                    let plain = try await toyClient(server, policy: Self.policy(window)).run(request)
                    let proactive = try await toyClient(server, policy: Self.policy(window), proactive: true).run(
                        request)
                    #expect(proactive.result.tokens == plain.result.tokens, "window \(window), seed \(seed)")
                }
            }
        }
    }
}
