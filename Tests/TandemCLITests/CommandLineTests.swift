import Foundation
import TandemLoopbackSupport
import Testing

@Suite("tandem serve / generate --server / demo", .serialized, .timeLimit(.minutes(5)))
struct CommandLineTests {
    @Test("demo runs end to end on the fixture pair and matches target-only output")
    func demo() async throws {
        let output = try await TandemCLI.run([
            "demo", "--draft", try RealModels.path("llama-s-q8_0.gguf"), "--target",
            try RealModels.path("llama-s-f16.gguf"),
            "--max-tokens", "12", "--window", "4",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("verifier: llama-s-f16.gguf at ws://127.0.0.1:"))
        #expect(output.stdout.contains("accept  tok/round  passes/tok  bytes/tok"))
        #expect(output.stdout.contains("outputs identical (greedy)"))
    }

    @Test("demo without the bundled pair says what to pass")
    func demoMissingModels() async throws {
        let output = try await TandemCLI.run(["demo", "--draft", "/nonexistent/draft.gguf"])
        #expect(output.status != 0)
        #expect(output.stderr.contains("no model at /nonexistent/draft.gguf"))
        #expect(output.stderr.contains("--draft"))
    }

    @Test("generate --server gives the tokens of local generation with the target")
    func serveAndGenerate() async throws {
        let target = try RealModels.path("llama-s-f16.gguf")
        let draft = try RealModels.path("llama-s-q8_0.gguf")
        // The first line names the address once the model is loaded.
        let serve = try await SpawnedTandem.launch(["serve", "--model", target, "--port", "0", "--threads", "1"])
        defer { serve.kill() }
        let url = try #require(serve.assistAddress, "serve printed: \(serve.banner)")

        let local = try await TandemCLI.run([
            "generate", "--model", target, "--tokens", "464,329", "--max-tokens", "20", "--json",
        ])
        let assisted = try await TandemCLI.run([
            "generate", "--draft", draft, "--server", url, "--tokens", "464,329",
            "--max-tokens", "20", "--window", "doubling", "--json",
        ])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(assisted.status == 0, "\(assisted.stderr)")
        let localJSON = try #require(JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any])
        let assistedJSON = try #require(
            JSONSerialization.jsonObject(with: Data(assisted.stdout.utf8)) as? [String: Any])
        #expect(assistedJSON["tokens"] as? [Int] == localJSON["tokens"] as? [Int])
        #expect(assistedJSON["text"] as? String == localJSON["text"] as? String)
        let stats = try #require(assistedJSON["stats"] as? [String: Any])
        for key in [
            "acceptance_rate", "tokens_per_round", "rounds", "cloud_passes_per_token", "bytes_per_token",
            "tokens_per_s",
        ] {
            #expect(stats[key] != nil, "missing \(key)")
        }
        #expect((stats["bytes_per_token"] as? Double ?? 0) > 0)

        let refused = try await TandemCLI.run([
            "generate", "--draft", try RealModels.path("qwen2-s-q8_0.gguf"), "--server", url,
            "--tokens", "1,2", "--max-tokens", "4",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("fingerprint_mismatch"))
    }
}
