import Foundation
import TandemClient
import TandemDecoding
import TandemLoopbackSupport
import TandemModel
import TandemModelAdapter
import TandemServer
import TandemTokenizer
import TandemWire
import TandemWireConversions
import Testing

@Suite("Real models over a loopback server", .serialized, .timeLimit(.minutes(5)))
struct RealModelTests {
    @Test("greedy assisted output equals the target's greedy output for every window policy")
    func greedyEquality() async throws {
        let (target, targetTokenizer) = try RealModels.load("llama-s-f16.gguf")
        let (draft, draftTokenizer) = try RealModels.load("llama-s-q8_0.gguf")
        #expect(targetTokenizer.fingerprint == draftTokenizer.fingerprint)
        let prompts = [[464, 329], targetTokenizer.encode("Once upon a time"), [1]]
        let model = TargetModel(model: target, id: "llama-s-f16", tokenizer: targetTokenizer)
        try await withServer(model: model) { server in
            for prompt in prompts {
                let expected = try await RealModels.targetGreedy(target, prompt: prompt, count: 40)
                #expect(expected.count == 40)
                for window in ["1", "4", "doubling", "adaptive"] {
                    let policy: any WindowPolicy =
                        switch window {
                        case "doubling": DoublingWindow()
                        case "adaptive": CostModelWindow()
                        default: FixedWindow(Int(window) ?? 1)
                        }
                    let client = AssistedClient(
                        draft: draft, draftName: "llama-s-q8_0", tokenizer: draftTokenizer,
                        server: server.assistURL, policy: policy, timeout: .seconds(30))
                    let (result, text) = try await client.run(SessionRequest(prompt: prompt, maxTokens: 40))
                    #expect(result.tokens == expected, "prompt \(prompt), window \(window)")
                    #expect(text == (try draftTokenizer.decode(expected, skipSpecial: true)))
                    if window != "1" { #expect(result.stats.tokensPerRound > 1, "window \(window)") }
                }
            }
        }
    }

    @Test("a dropped connection recovers with the same tokens as an undisturbed run")
    func droppedConnection() async throws {
        let (target, tokenizer) = try RealModels.load("llama-s-f16.gguf")
        let (draft, _) = try RealModels.load("llama-s-q8_0.gguf")
        let prompt = [464, 329]
        let expected = try await RealModels.targetGreedy(target, prompt: prompt, count: 48)
        let model = TargetModel(model: target, id: "llama-s-f16", tokenizer: tokenizer)
        try await withServer(model: model, faults: FaultInjection(dropConnectionAtVerify: 4)) { server in
            let client = AssistedClient(
                draft: draft, draftName: "llama-s-q8_0", tokenizer: tokenizer,
                server: server.assistURL, policy: FixedWindow(3), timeout: .seconds(30))
            let (result, _) = try await client.run(SessionRequest(prompt: prompt, maxTokens: 48))
            #expect(result.tokens == expected)
            #expect(await client.verifier.reconnects == 1)
        }
    }

    @Test("a draft with another tokenizer is refused at open, naming both models")
    func fingerprintMismatch() async throws {
        let (target, tokenizer) = try RealModels.load("llama-s-f16.gguf")
        let (other, otherTokenizer) = try RealModels.load("qwen2-s-q8_0.gguf")
        #expect(tokenizer.fingerprint != otherTokenizer.fingerprint)
        let model = TargetModel(model: target, id: "llama-s-f16", tokenizer: tokenizer)
        try await withServer(model: model) { server in
            let client = AssistedClient(
                draft: other, draftName: "qwen2-s-q8_0", tokenizer: otherTokenizer,
                server: server.assistURL, policy: FixedWindow(2), timeout: .seconds(30))
            do {
                _ = try await client.run(SessionRequest(prompt: [1, 2], maxTokens: 4))
                Issue.record("served a draft with another tokenizer")
            } catch let error as WireError {
                #expect(error.code == .fingerprintMismatch)
                #expect(error.message.contains("qwen2-s-q8_0") && error.message.contains("llama-s-f16"))
            }
        }
    }
}
