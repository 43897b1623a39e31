import Foundation
import Synchronization
import TandemLoopbackSupport
import Testing

/// The CLI's one JSON path and one error path, as a script sees them: `--json` documents with exactly
/// their documented keys, `tokenize --jsonl` reading JSON strings through the decoder, and every
/// failure as `error: …` on stderr with exit status 1.
@Suite("tandem JSON output and errors", .serialized, .timeLimit(.minutes(5)))
struct CLIOutputTests {
    static var fixture: String { get throws { try RealModels.path("llama-s-f16.gguf") } }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not an object: \(text)")
    }

    @Test("generate --model --json: tokens, text and the four local stats; the first token is logits' top-1")
    func localGenerateJSON() async throws {
        let model = try Self.fixture
        let generated = try await TandemCLI.run([
            "generate", "--model", model, "--tokens", "464,329", "--max-tokens", "6", "--ignore-eos", "--json",
        ])
        #expect(generated.status == 0, "\(generated.stderr)")
        let object = try Self.object(generated.stdout)
        #expect(Set(object.keys) == ["tokens", "text", "stats"])
        let tokens = try #require(object["tokens"] as? [Int])
        #expect(tokens.count == 6)
        #expect(object["text"] is String)
        let stats = try #require(object["stats"] as? [String: Any])
        #expect(Set(stats.keys) == ["prompt_tokens", "generated_tokens", "prefill_tok_s", "decode_tok_s"])
        #expect(stats["prompt_tokens"] as? Int == 2)
        #expect(stats["generated_tokens"] as? Int == 6)

        let logits = try await TandemCLI.run([
            "logits", "--model", model, "--tokens", "464,329", "--top", "3", "--json",
        ])
        #expect(logits.status == 0, "\(logits.stderr)")
        let top = try Self.object(logits.stdout)
        #expect(Set(top.keys) == ["tokens", "top"])
        #expect(top["tokens"] as? [Int] == [464, 329])
        let entries = try #require(top["top"] as? [[String: Any]])
        #expect(entries.count == 3)
        #expect(entries.allSatisfy { Set($0.keys) == ["id", "logit"] })
        let values = entries.compactMap { ($0["logit"] as? NSNumber)?.doubleValue }
        #expect(values == values.sorted(by: >))
        #expect(entries.first?["id"] as? Int == tokens.first, "greedy's first token is the top logit")
    }

    @Test("tokenize --jsonl: one array per JSON string line, the same ids as --ids --no-bos")
    func tokenizeJSONLines() async throws {
        let model = try Self.fixture
        let lines = try await Self.run(
            ["tokenize", "--model", model, "--jsonl"], stdin: "\"Hello world\"\n  \"a\\/b \\u00e9\\ud83e\\udd99\"  \n")
        #expect(lines.status == 0, "\(lines.stderr)")
        let arrays = lines.stdout.split(separator: "\n").map { String($0) }
        #expect(arrays.count == 2)
        let ids = try await TandemCLI.run(["tokenize", "--model", model, "--ids", "--no-bos", "Hello world"])
        #expect(ids.status == 0, "\(ids.stderr)")
        #expect(arrays.first == ids.stdout.trimmingCharacters(in: .newlines))
        let escaped = try await TandemCLI.run(["tokenize", "--model", model, "--ids", "--no-bos", "a/b é🦙"])
        #expect(arrays.last == escaped.stdout.trimmingCharacters(in: .newlines), "escapes decode as JSON says")
    }

    @Test(
        "tokenize --jsonl refuses a line that is not exactly one JSON string, naming the line",
        arguments: ["42", "\"a\" b", "\"\\ud800\"", "\"unterminated", "[\"a\"]"])
    func tokenizeJSONLinesRefuses(_ bad: String) async throws {
        let output = try await Self.run(
            ["tokenize", "--model", try Self.fixture, "--jsonl"], stdin: "\"fine\"\n\(bad)\n\"never read\"\n")
        #expect(output.status == 65, "\(bad): \(output.stderr)")
        #expect(output.stderr.contains("line 2:"), "\(output.stderr)")
        #expect(output.stdout.split(separator: "\n").count == 1, "the first line was answered, nothing after")
    }

    @Test(
        "every command reports a failure as one `error:` line and exit status 1",
        arguments: [
            (["generate", "--model", "/nonexistent/m.gguf", "--tokens", "1"], "no such file: /nonexistent/m.gguf"),
            (["generate", "--model", "/nonexistent/m.gguf", "--tokens", "1", "--json"], "no such file"),
            (["logits", "--model", "/nonexistent/m.gguf", "--tokens", "1", "--json"], "no such file"),
            (["inspect", "/nonexistent/m.gguf"], "error: "),
            (["tokenize", "--model", "/nonexistent/m.gguf", "x"], "/nonexistent/m.gguf"),
            (["bench", "kernels", "--types", "q9_9"], "unknown type q9_9"),
        ])
    func errors(_ arguments: [String], _ message: String) async throws {
        let output = try await TandemCLI.run(arguments)
        #expect(output.status == 1, "\(arguments): \(output.stderr)")
        #expect(output.stderr.contains("error: "), "\(output.stderr)")
        #expect(output.stderr.contains(message), "\(output.stderr)")
        #expect(!output.stderr.contains("Error: "), "one error style, not the argument parser's")
        #expect(output.stdout.isEmpty, "nothing half-written on stdout: \(output.stdout)")
    }

    /// Runs `tandem arguments…` with `stdin` as its standard input.
    static func run(_ arguments: [String], stdin: String) async throws -> TandemCLI.Output {
        try await TandemCLI.offPool {
            // A child that exits before reading its input must not take the test process down with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            let process = Process()
            process.executableURL = TandemCLI.executable
            process.arguments = arguments
            let input = Pipe()
            let out = Pipe()
            let err = Pipe()
            process.standardInput = input
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let collected = Mutex<(Data, Data)>((Data(), Data()))
            let group = DispatchGroup()
            for (index, handle) in [out.fileHandleForReading, err.fileHandleForReading].enumerated() {
                group.enter()
                DispatchQueue.global().async {
                    let data = handle.readDataToEndOfFile()
                    collected.withLock { if index == 0 { $0.0 = data } else { $0.1 = data } }
                    group.leave()
                }
            }
            // A child that stops reading early closes its end; the write then fails, which is fine.
            try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
            group.wait()
            process.waitUntilExit()
            let (stdout, stderr) = collected.withLock { $0 }
            return TandemCLI.Output(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self))
        }
    }
}
