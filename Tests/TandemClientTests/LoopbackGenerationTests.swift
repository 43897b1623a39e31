import TandemDecoding
import TandemLoopbackSupport
import TandemServer
import TandemTestSupport
import TandemWire
import TandemWireConversions
import Testing

@testable import TandemClient

@Suite("Assisted generation over a loopback server", .timeLimit(.minutes(2)))
struct LoopbackGenerationTests {
    static let policies: [(String, any WindowPolicy & Sendable)] = [
        ("fixed 1", FixedWindow(1)), ("fixed 4", FixedWindow(4)), ("fixed 16", FixedWindow(16)),
        ("doubling", DoublingWindow()), ("adaptive", CostModelWindow()),
    ]

    @Test("greedy output equals the target's greedy run", arguments: 0..<policies.count)
    func greedyEqualsTarget(_ index: Int) async throws {
        let policy = Self.policies[index].1
        let prompt = [1, 5, 9]
        let expected = Toys.target.greedy(prompt: prompt, count: 60)
        let (result, stats, bytes) = try await withServer { server in
            let client = toyClient(server, policy: policy)
            let (result, _) = try await client.run(SessionRequest(prompt: prompt, maxTokens: 60))
            #expect(await client.verifier.networkSeconds > 0)
            return (result, result.stats, await client.verifier.bytesSent + client.verifier.bytesReceived)
        }
        #expect(result.tokens == expected, "policy \(Self.policies[index].0)")
        #expect(stats.rounds > 0)
        #expect(stats.bytesPerToken > 0)
        #expect(bytes > 0)
        if index > 0 { #expect(stats.tokensPerRound > 1, "drafts were accepted") }
    }

    @Test("a connection dropped mid-generation recovers with identical output")
    func droppedConnection() async throws {
        let prompt = [2, 4, 6]
        let expected = Toys.target.greedy(prompt: prompt, count: 50)
        for dropAt in [1, 3, 6] {
            let (tokens, reconnects) = try await withServer(faults: FaultInjection(dropConnectionAtVerify: dropAt)) {
                server in
                let client = toyClient(server, policy: FixedWindow(3))
                var streamed: [Int] = []
                var final: [Int] = []
                for try await event in client.generate(SessionRequest(prompt: prompt, maxTokens: 50)) {
                    switch event {
                    case .token(let id, _): streamed.append(id)
                    case .finished(let result, _): final = result.tokens
                    }
                }
                #expect(streamed == final)
                return (final, await client.verifier.reconnects)
            }
            #expect(tokens == expected, "dropped at verify \(dropAt)")
            #expect(reconnects == 1, "dropped at verify \(dropAt)")
        }
    }

    @Test("two concurrent sessions do not see each other's tokens")
    func concurrentSessions() async throws {
        let prompts = [[1, 2, 3], [40, 41, 42, 43], [7], [9, 9]]
        try await withServer { server in
            try await withThrowingTaskGroup(of: ([Int], [Int]).self) { group in
                for (i, prompt) in prompts.enumerated() {
                    group.addTask {
                        let client = toyClient(server, policy: i % 2 == 0 ? FixedWindow(4) : DoublingWindow())
                        let (result, _) = try await client.run(SessionRequest(prompt: prompt, maxTokens: 40))
                        return (prompt, result.tokens)
                    }
                }
                var seen = 0
                for try await (prompt, tokens) in group {
                    #expect(tokens == Toys.target.greedy(prompt: prompt, count: 40), "prompt \(prompt)")
                    seen += 1
                }
                #expect(seen == prompts.count)
            }
        }
    }

    @Test("a draft identical to the target is fully accepted")
    func fullAcceptance() async throws {
        let stats = try await withServer { server in
            let client = toyClient(server, policy: FixedWindow(4), draft: Toys.target)
            return try await client.run(SessionRequest(prompt: [3], maxTokens: 40)).result.stats
        }
        #expect(stats.acceptanceRate == 1)
        #expect(stats.tokensPerRound == 5)
    }

    @Test("sampled decoding over the wire stays within the vocabulary and the limit")
    func sampled() async throws {
        let result = try await withServer { server in
            let client = toyClient(server, policy: FixedWindow(4))
            let request = SessionRequest(
                prompt: [1, 2], sampling: SamplingParameters(temperature: 0.8, seed: 3), maxTokens: 30)
            return try await client.run(request).result
        }
        #expect(result.tokens.count == 30)
        #expect(result.tokens.allSatisfy { (0..<Toys.target.vocabularySize).contains($0) })
    }

    @Test("a client with another tokenizer is refused, naming both models")
    func fingerprintMismatch() async throws {
        try await withServer { server in
            let client = toyClient(server, policy: FixedWindow(2), fingerprint: "other-tokenizer")
            do {
                _ = try await client.run(SessionRequest(prompt: [1], maxTokens: 5))
                Issue.record("a mismatched draft was served")
            } catch let error as WireError {
                #expect(error.code == .fingerprintMismatch)
                #expect(error.message.contains("toy-draft"))
                #expect(error.message.contains("toy-target"))
            }
        }
    }
}
