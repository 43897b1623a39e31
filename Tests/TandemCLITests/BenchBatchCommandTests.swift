import Foundation
import TandemLoopbackSupport
import Testing

@Suite("tandem bench batch and bench kv end to end", .serialized, .timeLimit(.minutes(5)))
struct BenchBatchCommandTests {
    struct Document: Decodable {
        struct Row: Decodable {
            var mode: String
            var sessions: Int
            var batching: Bool
            var tokens_per_s: Double
            var server_cpu_s_per_token: Double
            var positions_per_pass: Double
            var sessions_per_pass: Double
            var p50_round_ms: Double
            var p99_round_ms: Double
            var tokens: Int
        }
        var rows: [Row]
    }

    @Test("--json: every mode × session count × batching, every session's tokens exact and counted")
    func json() async throws {
        let output = try await TandemCLI.run(
            [
                "bench", "batch", "--target", try RealModels.path("llama-s-f16.gguf"), "--sessions", "1,3",
                "--window", "3", "--acceptance", "0.7", "--max-tokens", "12", "--threads", "1", "--json",
            ], timeout: .seconds(240))
        #expect(output.status == 0, "\(output.stderr)")
        let document = try JSONDecoder().decode(Document.self, from: Data(output.stdout.utf8))
        #expect(document.rows.count == 8)
        for mode in ["assisted", "cloud-only"] {
            for sessions in [1, 3] {
                for batching in [false, true] {
                    let row = document.rows.first {
                        $0.mode == mode && $0.sessions == sessions && $0.batching == batching
                    }
                    #expect(row?.tokens == sessions * 12, "\(mode) ×\(sessions) batching \(batching)")
                    #expect((row?.tokens_per_s ?? 0) > 0)
                    #expect((row?.positions_per_pass ?? 0) >= 1)
                    #expect((row?.p99_round_ms ?? -1) >= (row?.p50_round_ms ?? 0))
                    if !batching { #expect(row?.sessions_per_pass == 1) }
                    if mode == "cloud-only" && !batching { #expect(row?.positions_per_pass == 1) }
                }
            }
        }
    }

    @Test("bench kv on a fixture: one row per prompt, agreement within the positions compared")
    func kv() async throws {
        let output = try await TandemCLI.run(
            [
                "bench", "kv", "--model", try RealModels.path("llama-s-f16.gguf"), "--tokens", "6", "--threads", "1",
                "--json",
            ], timeout: .seconds(240))
        #expect(output.status == 0, "\(output.stderr)")
        struct File: Decodable {
            struct Row: Decodable {
                var positions: Int
                var argmax_agreements: Int
                var greedy_common_prefix: Int
                var top10_max_abs_delta: Double
            }
            var model: String
            var precision: String
            var rows: [Row]
        }
        let files = try JSONDecoder().decode([File].self, from: Data(output.stdout.utf8))
        #expect(files.count == 1 && files[0].precision == "f16")
        #expect(files[0].rows.count == 5)
        for row in files[0].rows {
            #expect(row.positions == 6)
            #expect(row.argmax_agreements <= row.positions && row.greedy_common_prefix <= 6)
            #expect(row.top10_max_abs_delta >= 0 && row.top10_max_abs_delta.isFinite)
        }
    }

    @Test("bad input: a clear error and a failing exit status")
    func badInput() async throws {
        for (arguments, message) in [
            (["--sessions", "0"], "--sessions"),
            (["--acceptance", "1.5"], "--acceptance"),
            (["--modes", "local"], "--modes"),
        ] {
            let output = try await TandemCLI.run(
                ["bench", "batch", "--target", try RealModels.path("llama-s-f16.gguf")] + arguments)
            #expect(output.status != 0)
            #expect(output.stderr.contains(message), "\(arguments): \(output.stderr)")
        }
    }
}
