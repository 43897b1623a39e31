import Foundation
import TandemLoopbackSupport
import Testing

@Suite("tandem bench assist end to end", .serialized, .timeLimit(.minutes(5)))
struct BenchAssistCommandTests {
    struct Document: Decodable {
        struct Row: Decodable {
            var policy: String
            var rtt_ms: Double
            var acceptance_rate: Double
            var tokens_per_round: Double
            var tokens_per_s: Double
            var server_cpu_s_per_token: Double
            var bytes_per_token: Double
            var ttft_ms: Double
            var server_passes_per_token: Double
            var generated_tokens: Int
            var preemptive_hit_rate: Double?
        }
        var rows: [Row]
        var output_mismatches: [String]
    }

    static func promptsFile() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-bench-assist-\(UUID().uuidString).txt")
        try "Once upon a time\n\nThe little\n".write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("--json: every policy at every RTT, acceptance in [0, 1], outputs equal cloud-only's")
    func json() async throws {
        let prompts = try Self.promptsFile()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-assist-\(UUID().uuidString)/report.md")
        let output = try await TandemCLI.run(
            [
                "bench", "assist", "--draft", try RealModels.path("llama-s-q8_0.gguf"), "--target",
                try RealModels.path("llama-s-f16.gguf"),
                "--rtt", "0,10", "--windows", "1,2", "--max-tokens", "8", "--prompts", prompts,
                "--cloud-profile", "a100-jetson", "--preemptive", "--out", out.path, "--json",
            ], timeout: .seconds(240))
        #expect(output.status == 0, "\(output.stderr)")
        let document = try JSONDecoder().decode(Document.self, from: Data(output.stdout.utf8))
        #expect(document.output_mismatches.isEmpty)
        let policies = ["cloud-only", "local-only", "1", "2", "doubling", "adaptive", "adaptive-preemptive"]
        for rtt in [0.0, 10] {
            for policy in policies {
                let row = try #require(
                    document.rows.first { $0.policy == policy && $0.rtt_ms == rtt }, "\(policy) at \(rtt)")
                #expect(row.acceptance_rate >= 0 && row.acceptance_rate <= 1)
                #expect(row.generated_tokens > 0 && row.generated_tokens <= 16)
                #expect(row.tokens_per_s > 0 && row.ttft_ms > 0)
                switch policy {
                case "cloud-only":
                    #expect(row.acceptance_rate == 0, "nothing proposed")
                    #expect(row.server_passes_per_token == 1)
                    #expect(row.server_cpu_s_per_token > 0)
                    #expect(row.bytes_per_token > 0)
                case "local-only":
                    #expect(
                        row.server_passes_per_token == 0 && row.bytes_per_token == 0 && row.server_cpu_s_per_token == 0)
                case "adaptive-preemptive":
                    let hitRate = try #require(row.preemptive_hit_rate, "the preemptive column reports its hit rate")
                    #expect(hitRate >= 0 && hitRate <= 1)
                    #expect(row.server_passes_per_token > 0 && row.server_passes_per_token <= 1)
                default:
                    #expect(row.preemptive_hit_rate == nil)
                    #expect(row.server_passes_per_token > 0 && row.server_passes_per_token <= 1)
                    #expect(row.server_cpu_s_per_token > 0)
                    #expect(row.tokens_per_round >= 1)
                }
            }
        }
        #expect(document.rows.count == 2 * policies.count)
        let report = try String(contentsOf: out, encoding: .utf8)
        #expect(report.contains("## Acceptance by window"))
        #expect(report.contains("modelled (a100-jetson)"))
        for plot in ["report-acceptance.svg", "report-tokens-per-s.svg", "report-modelled-tokens-per-s.svg"] {
            #expect(
                FileManager.default.fileExists(
                    atPath: out.deletingLastPathComponent().appendingPathComponent(plot).path), "\(plot)")
        }
    }

    @Test("--same-model: acceptance 1.000, printed as a check")
    func sameModel() async throws {
        let prompts = try Self.promptsFile()
        let output = try await TandemCLI.run(
            [
                "bench", "assist", "--target", try RealModels.path("llama-s-q8_0.gguf"), "--same-model",
                "--rtt", "0", "--windows", "4", "--max-tokens", "8", "--prompts", prompts, "--no-report",
            ], timeout: .seconds(240))
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("same-model check: acceptance 1.000 (expected 1.000) OK"))
        #expect(output.stdout.contains("## Acceptance by window"))
    }

    @Test("bad input: a clear error and exit status 1")
    func badInput() async throws {
        for (arguments, message) in [
            (["--rtt", "0,fast"], "--rtt"),
            (["--windows", "0"], "--windows"),
            (["--cloud-profile", "tpu"], "--cloud-profile"),
            (["--prompts", "/nonexistent/prompts.txt"], "prompts file"),
            (
                [
                    "--target", "/nonexistent/t.gguf", "--draft", "/nonexistent/d.gguf", "--prompts",
                    try Self.promptsFile(),
                ], "no model at"
            ),
        ] {
            let output = try await TandemCLI.run(["bench", "assist", "--no-report"] + arguments)
            #expect(output.status == 1, "\(arguments)")
            #expect(output.stderr.contains(message), "\(arguments): \(output.stderr)")
        }
    }
}
