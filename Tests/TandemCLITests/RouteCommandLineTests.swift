import Foundation
import TandemLoopbackSupport
import Testing

@Suite("tandem generate --mode route / bench route", .serialized, .timeLimit(.minutes(5)))
struct RouteCommandLineTests {
    static let models = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "Models")

    @Test("route mode against an unreachable server completes with the draft's tokens and reports fallbacks as JSON")
    func unreachableServer() async throws {
        let url = try await withServer { server in "ws://127.0.0.1:\(server.port)" }
        let draft = Self.models.appendingPathComponent("draft.gguf").path
        let output = try await TandemCLI.run([
            "generate", "--draft", draft, "--server", url, "--mode", "route",
            "--threshold", "0.5", "--prompt", "Return the", "--max-tokens", "12", "--json",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let tokens = try #require(object["tokens"] as? [Int])
        #expect(tokens.count == 12)
        let stats = try #require(object["stats"] as? [String: Any])
        let fallbacks = try #require(stats["route_fallbacks"] as? Int)
        let routed = try #require(stats["routed_positions"] as? Int)
        #expect(routed > 0)
        #expect(fallbacks == routed)
        #expect(stats["routed_fraction"] is Double)
        // The same tokens as the draft alone.
        let local = try await TandemCLI.run([
            "generate", "--model", draft, "--prompt", "Return the", "--max-tokens", "12", "--json",
        ])
        let localObject = try #require(
            try JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any])
        #expect(localObject["tokens"] as? [Int] == tokens)
    }

    @Test(
        "bad routing options exit 1 with a clear message",
        arguments: [
            (["--mode", "teleport"], "--mode must be assist or route"),
            (["--mode", "route", "--threshold", "1.5"], "--threshold must be in [0, 1]"),
            (["--mode", "route", "--score", "vibes"], "--score must be top-prob, margin or entropy"),
            (["--mode", "route", "--route-span", "0"], "--route-span must be ≥ 1"),
            (["--mode", "route", "--route-budget", "2"], "--route-budget must be in [0, 1]"),
        ])
    func badOptions(_ extra: [String], _ message: String) async throws {
        let output = try await TandemCLI.run(
            [
                "generate", "--draft", Self.models.appendingPathComponent("draft.gguf").path,
                "--server", "ws://127.0.0.1:9", "--prompt", "x",
            ] + extra)
        #expect(output.status == 1)
        #expect(output.stderr.contains(message), "\(output.stderr)")
    }

    @Test("bench route on one prompt: threshold 0 is the draft alone, threshold 1 the target alone")
    func benchRoute() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-route-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let prompts = directory.appendingPathComponent("prompts.txt")
        try "Return the\n".write(to: prompts, atomically: true, encoding: .utf8)
        let report = directory.appendingPathComponent("route.md").path
        let output = try await TandemCLI.run([
            "bench", "route", "--target", Self.models.appendingPathComponent("target.gguf").path,
            "--draft", Self.models.appendingPathComponent("draft.gguf").path, "--prompts", prompts.path,
            "--thresholds", "0,1", "--scores", "margin", "--rtts", "0", "--max-tokens", "6",
            "--report", report, "--svg", directory.appendingPathComponent("route.svg").path, "--json",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(points.count == 2)
        let none = try #require(points.first { $0["threshold"] as? Double == 0 })
        let all = try #require(points.first { $0["threshold"] as? Double == 1 })
        let baseline = try #require(object["baseline"] as? [String: Any])
        #expect(none["routed_fraction"] as? Double == 0)
        #expect(none["token_match"] as? Double == baseline["draft_token_match"] as? Double)
        #expect(all["routed_fraction"] as? Double == 1)
        #expect(all["token_match"] as? Double == 1)
        #expect(all["target_agreement"] as? Double == 1)
        #expect(object["target_check"] == nil, "a report states figures, not verdicts")
        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        #expect(markdown.contains("token match (by position)"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("route.json").path))
        let bad = try await TandemCLI.run(["bench", "route", "--thresholds", "0,x"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("--thresholds takes comma-separated numbers"))
    }
}
