import Foundation
import Testing

/// Runs the built `tandem` executable (next to the test bundle) and captures its output.
enum TandemCLI {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tandem")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tandem arguments…` to its end, killing it after `timeout`.
    static func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite("tandem serve / generate --server / demo", .serialized, .timeLimit(.minutes(5)))
struct CommandLineTests {
    @Test("demo runs end to end on the fixture pair and matches target-only output")
    func demo() async throws {
        let output = try await TandemCLI.run([
            "demo", "--draft", try RealModels.path("llama-s-q8_0.gguf"), "--target", try RealModels.path("llama-s-f16.gguf"),
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
        let target = try RealModels.path("llama-s-f16.gguf"), draft = try RealModels.path("llama-s-q8_0.gguf")
        let serve = Process()
        serve.executableURL = TandemCLI.executable
        serve.arguments = ["serve", "--model", target, "--port", "0", "--threads", "1"]
        let out = Pipe()
        serve.standardOutput = out
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { serve.terminate() }
        // The first line names the address once the model is loaded.
        var line = Data()
        let reader = out.fileHandleForReading
        let deadline = ContinuousClock.now + .seconds(60)
        while !line.contains(UInt8(ascii: "\n")), ContinuousClock.now < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        let match = try #require(text.firstMatch(of: /ws:\/\/127\.0\.0\.1:(\d+)\/v1\/assist/), "serve printed: \(text)")
        let url = "ws://127.0.0.1:\(match.1)"

        let local = try await TandemCLI.run(["generate", "--model", target, "--tokens", "464,329", "--max-tokens", "20", "--json"])
        let assisted = try await TandemCLI.run(["generate", "--draft", draft, "--server", url, "--tokens", "464,329",
                                                "--max-tokens", "20", "--window", "doubling", "--json"])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(assisted.status == 0, "\(assisted.stderr)")
        let localJSON = try #require(JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any])
        let assistedJSON = try #require(JSONSerialization.jsonObject(with: Data(assisted.stdout.utf8)) as? [String: Any])
        #expect(assistedJSON["tokens"] as? [Int] == localJSON["tokens"] as? [Int])
        #expect(assistedJSON["text"] as? String == localJSON["text"] as? String)
        let stats = try #require(assistedJSON["stats"] as? [String: Any])
        for key in ["acceptance_rate", "tokens_per_round", "rounds", "cloud_passes_per_token", "bytes_per_token", "tokens_per_s"] {
            #expect(stats[key] != nil, "missing \(key)")
        }
        #expect((stats["bytes_per_token"] as? Double ?? 0) > 0)

        let refused = try await TandemCLI.run(["generate", "--draft", try RealModels.path("qwen2-s-q8_0.gguf"), "--server", url,
                                               "--tokens", "1,2", "--max-tokens", "4"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("fingerprint_mismatch"))
    }
}
