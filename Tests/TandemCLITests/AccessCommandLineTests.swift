import Foundation
import TandemLoopbackSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("tandem serve --api-keys / --insecure-open, generate --api-key", .serialized, .timeLimit(.minutes(5)))
struct AccessCommandLineTests {
    static func keyFile(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-cli-keys-\(UUID().uuidString).json"
        )
        .path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("without keys a non-loopback --host is refused at start, and says what to pass")
    func loopbackOnly() async throws {
        let output = try await TandemCLI.run([
            "serve", "--model", try RealModels.path("llama-s-f16.gguf"), "--host", "0.0.0.0", "--port", "0",
        ])
        #expect(output.status != 0)
        #expect(output.stderr.contains("refusing to listen on 0.0.0.0 without API keys"), "\(output.stderr)")
        #expect(output.stderr.contains("--insecure-open"))
    }

    @Test("a malformed key file is refused at start with the entry at fault")
    func badKeyFile() async throws {
        let path = try Self.keyFile(#"{"keys":[{"name":"a","key":"k1"},{"name":"a","key":"k2"}]}"#)
        let output = try await TandemCLI.run([
            "serve", "--model", try RealModels.path("llama-s-f16.gguf"), "--port", "0", "--api-keys", path,
        ])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--api-keys"), "\(output.stderr)")
        #expect(output.stderr.contains("used twice"))
    }

    @Test("generate presents --api-key; without it the server refuses; SIGHUP revokes a key")
    func keyedServeAndGenerate() async throws {
        let target = try RealModels.path("llama-s-f16.gguf")
        let draft = try RealModels.path("llama-s-q8_0.gguf")
        let path = try Self.keyFile(
            #"{"keys":[{"name":"cli","key":"cli-key-0123456789"},{"name":"other","key":"other-key-987"}]}"#)
        let serve = try await SpawnedTandem.launch([
            "serve", "--model", target, "--port", "0", "--threads", "1", "--api-keys", path,
        ])
        defer { serve.kill() }
        let url = try #require(serve.assistAddress, "serve printed: \(serve.banner)")
        let http = try #require(serve.httpAddress)
        let generate = [
            "generate", "--draft", draft, "--server", url, "--tokens", "464,329", "--max-tokens", "6", "--json",
        ]
        let keyed = try await TandemCLI.run(generate + ["--api-key", "cli-key-0123456789"])
        #expect(keyed.status == 0, "\(keyed.stderr)")
        let bare = try await TandemCLI.run(generate)
        #expect(bare.status != 0)

        // Revoke "cli" and send SIGHUP; the reload is asynchronous, so wait (bounded) until it took effect.
        try Data(#"{"keys":[{"name":"other","key":"other-key-987"}]}"#.utf8).write(to: URL(fileURLWithPath: path))
        kill(serve.process.processIdentifier, SIGHUP)
        var status = 0
        for _ in 0..<200 {
            status = try await httpGet(http + "/v1/assist", authorization: "Bearer cli-key-0123456789").0
            if status == 401 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == 401)
        let revoked = try await TandemCLI.run(generate + ["--api-key", "cli-key-0123456789"])
        #expect(revoked.status != 0)
        let kept = try await TandemCLI.run(generate + ["--api-key", "other-key-987"])
        #expect(kept.status == 0, "\(kept.stderr)")
        serve.stop()
        #expect(serve.stdout.contains("access: API keys required (2 keys"))
        #expect(!serve.stdout.contains("cli-key-0123456789"))
        #expect(!serve.stderr.contains("cli-key-0123456789"))
    }
}
