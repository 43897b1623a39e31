import Foundation
import TandemLoopbackSupport
import Testing

/// `tandem serve --exit-layer`, `tandem generate --preemptive --json` and `tandem bench preempt`, as a
/// user runs them (the built executable, the bundled pair).
@Suite("tandem generate --preemptive / serve --exit-layer / bench preempt", .serialized, .timeLimit(.minutes(5)))
struct PreemptiveCommandLineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let target = root.appendingPathComponent("Models/target.gguf").path
    static let draft = root.appendingPathComponent("Models/draft.gguf").path

    /// `tandem` with a timeout roomy enough for the bench grid on a loaded machine.
    static func run(_ arguments: [String]) async throws -> TandemCLI.Output {
        try await TandemCLI.run(arguments, timeout: .seconds(180))
    }

    /// Starts `tandem serve` on a free port and returns it and its ws:// address.
    static func serve(_ extra: [String]) async throws -> (SpawnedTandem, String) {
        let serve = try await SpawnedTandem.launch(
            ["serve", "--model", target, "--port", "0", "--threads", "1"] + extra)
        guard let url = serve.assistAddress, serve.banner.contains("/v1/assist") else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "serve printed: \(serve.banner)"])
        }
        return (serve, url)
    }

    @Test("generate --preemptive --json gives the target's tokens and the preemptive stats")
    func generatePreemptive() async throws {
        let (server, url) = try await Self.serve(["--exit-layer", "2"])
        defer { server.kill() }
        let local = try await Self.run([
            "generate", "--model", Self.target, "--prompt", "Return the", "--max-tokens", "24", "--json",
        ])
        let assisted = try await Self.run([
            "generate", "--draft", Self.draft, "--server", url, "--prompt", "Return the",
            "--max-tokens", "24", "--window", "4", "--preemptive", "--json",
        ])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(assisted.status == 0, "\(assisted.stderr)")
        let localJSON = try #require(JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any])
        let assistedJSON = try #require(
            JSONSerialization.jsonObject(with: Data(assisted.stdout.utf8)) as? [String: Any])
        #expect(assistedJSON["tokens"] as? [Int] == localJSON["tokens"] as? [Int])
        let stats = try #require(assistedJSON["stats"] as? [String: Any])
        for key in [
            "preemptive_rounds", "preemptive_hits", "preemptive_hit_rate", "preemptive_saved_ms",
            "preemptive_wasted_drafts", "provisional_lead_ms",
        ] {
            #expect(stats[key] != nil, "missing \(key)")
        }
        let rate = try #require(stats["preemptive_hit_rate"] as? Double)
        #expect(rate >= 0 && rate <= 1)
        #expect((stats["preemptive_rounds"] as? Int ?? 0) > 0)

        // The human form prints a preemptive line on stderr.
        let human = try await Self.run([
            "generate", "--draft", Self.draft, "--server", url, "--prompt", "Return the",
            "--max-tokens", "8", "--preemptive",
        ])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stderr.contains("preemptive          hit rate"))
    }

    @Test("bad preemptive options are refused with exit code 1 and a clear message")
    func badOptions() async throws {
        let serve = try await Self.run(["serve", "--model", Self.target, "--port", "0", "--exit-layer", "9"])
        #expect(serve.status == 1)
        #expect(serve.stderr.contains("--exit-layer 9 is outside target.gguf's layers 1…4"), "\(serve.stderr)")
        let local = try await Self.run(["generate", "--model", Self.target, "--tokens", "1,2", "--preemptive"])
        #expect(local.status == 1)
        #expect(local.stderr.contains("--preemptive needs assisted mode"), "\(local.stderr)")
        let bench = try await Self.run(["bench", "preempt", "--rtt", "fast", "--json"])
        #expect(bench.status == 1)
        #expect(bench.stderr.contains("--rtt"), "\(bench.stderr)")
    }

    @Test("bench preempt runs a small grid end to end and writes its report")
    func benchPreempt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preempt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.txt")
        try "Return the\nThis module provides\n".write(to: prompts, atomically: true, encoding: .utf8)
        let report = directory.appendingPathComponent("p.md").path
        let output = try await Self.run([
            "bench", "preempt", "--draft", Self.draft, "--target", Self.target, "--prompts", prompts.path,
            "--rtt", "0,25", "--windows", "4", "--max-tokens", "8", "--out", report, "--json",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try #require(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count == 4, "2 RTTs × 1 window × off/on")
        for row in rows {
            #expect(row["same_output"] as? Bool == true)
            #expect((row["tokens"] as? Int ?? 0) > 0)
            let preemptive = try #require(row["preemptive"] as? Bool)
            #expect((row["preemptive_rounds"] as? Int ?? -1) > 0 || !preemptive)
        }
        #expect(json["exit_layer"] as? Int == 2)
        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        #expect(markdown.contains("command: `tandem bench preempt"), "the report names the command that made it")
        #expect(FileManager.default.fileExists(atPath: (report as NSString).deletingPathExtension + ".json"))
    }
}
