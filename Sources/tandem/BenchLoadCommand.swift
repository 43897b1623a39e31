import ArgumentParser
import Foundation
import TandemBench
import TandemServer

/// `tandem bench load`: the verifier under load on loopback (WebSocket sessions, a capped run, the
/// OpenAI completions endpoint).
struct BenchLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a verifier on loopback: WebSocket sessions, a run over its session cap, OpenAI completions.",
        discussion: """
            WebSocket: at each --sessions count, that many sessions connect at once and send --rounds draft \
            windows of --window random token ids inside the vocabulary (no draft model runs: the server is what \
            is measured): rounds/s, p50/p99 round latency, the server's RSS (start → peak), failures by kind \
            (wire.<code>, client.<case>). Then --capped-sessions sessions against a server admitting --cap: the \
            excess must be refused (wire.session_limit) and the admitted sessions are compared with an uncapped \
            run of --cap sessions. HTTP: at each --http-concurrency, clients send POST /v1/completions (greedy, \
            --max-tokens) one after another, --http-requests in all (≥ 4 per client): requests/s, tokens/s, \
            p50/p99, errors by status.

            Without --server the verifier runs in this process with --target (batching on, as tandem serve \
            runs; RSS is then this process, clients included). With --server it is a running `tandem serve` \
            (give --server-pid for its RSS, and --capped-server for a second one serving --max-sessions at the cap; \
            one with --api-keys needs --api-key or TANDEM_API_KEY).

            Examples:
              tandem bench load --target Models/target.gguf --report bench/results/load-run.md
              tandem bench load --sessions 1,8 --http-concurrency 1 --json
              tandem serve --model Models/target.gguf --port 8080 --max-sessions 256 &
              tandem serve --model Models/target.gguf --port 8081 --max-sessions 16 &
              tandem bench load --server ws://127.0.0.1:8080 --server-pid $! --capped-server ws://127.0.0.1:8081
            """
    )

    @Option(help: ArgumentHelp("The target model (in-process server).", valueName: "file"))
    var target = "Models/target.gguf"

    @Option(help: "Compute threads of the in-process server.")
    var threads = 1

    @Option(help: "In-process server: most new positions in one batched pass (0: no batching), as tandem serve.")
    var maxBatchPositions = EngineServing.standard.maxBatchPositions

    @Option(help: ArgumentHelp("A running verifier instead (ws://HOST:PORT).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("With --server: its process id, for its RSS.", valueName: "pid"))
    var serverPid: Int32?

    @Option(help: ArgumentHelp("With --server: a verifier serving --max-sessions equal to --cap.", valueName: "url"))
    var cappedServer: String?

    @OptionGroup var key: APIKeyOption

    @Option(help: ArgumentHelp("Concurrent WebSocket session counts, comma-separated.", valueName: "n,n"))
    var sessions = "1,8,64,256"

    @Option(help: "Rounds each session sends.")
    var rounds = 16

    @Option(help: "Random drafts per round.")
    var window = 4

    @Option(help: "The capped run's session cap (0: no capped run).")
    var cap = 16

    @Option(help: "Sessions of the capped run.")
    var cappedSessions = 64

    @Option(help: ArgumentHelp("HTTP client counts, comma-separated (empty: no HTTP runs).", valueName: "n,n"))
    var httpConcurrency = "1,8,64"

    @Option(help: "Requests per HTTP run (at least 4 per client).")
    var httpRequests = 128

    @Option(help: "max_tokens of each HTTP request.")
    var maxTokens = 8

    @Option(help: "Seed of the random prompts and drafts.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Write a markdown report to this file.", valueName: "file"))
    var report: String?

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    static func counts(_ text: String) -> [Int]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parts.contains(nil) ? nil : parts.compactMap { $0 }
    }

    func validate() throws {
        guard let s = Self.counts(sessions), !s.isEmpty, s.allSatisfy({ (1...4096).contains($0) }) else {
            throw ValidationError("--sessions must be counts in 1…4096, comma-separated")
        }
        guard Self.counts(httpConcurrency)?.allSatisfy({ (1...1024).contains($0) }) ?? false else {
            throw ValidationError("--http-concurrency must be counts in 1…1024, comma-separated")
        }
        guard (1...200).contains(rounds) else { throw ValidationError("--rounds must be in 1…200") }
        guard (0...16).contains(window) else { throw ValidationError("--window must be in 0…16") }
        guard cap >= 0, cappedSessions >= 0 else { throw ValidationError("--cap and --capped-sessions must be ≥ 0") }
        guard (0...65536).contains(maxBatchPositions) else {
            throw ValidationError("--max-batch-positions must be in 0…65536")
        }
        guard httpRequests >= 1, (1...256).contains(maxTokens), threads >= 1 else {
            throw ValidationError("--http-requests and --threads must be ≥ 1, --max-tokens in 1…256")
        }
        if serverPid != nil || cappedServer != nil || key.apiKey != nil, server == nil {
            throw ValidationError("--server-pid, --capped-server and --api-key go with --server")
        }
    }

    struct Output: Encodable {
        var command: String
        var report: LoadBenchmark.Report
    }

    func run() async throws {
        try await reportingErrors {
            let where_: LoadBenchmark.Server =
                server.map { .external(url: $0, cappedURL: cappedServer, pid: serverPid) }
                ?? .inProcess(
                    targetPath: target, threads: threads, serving: EngineServing(maxBatchPositions: maxBatchPositions))
            let benchmark = LoadBenchmark(
                server: where_, sessions: Self.counts(sessions) ?? [], rounds: rounds, window: window, cap: cap,
                cappedSessions: cappedSessions, httpConcurrency: Self.counts(httpConcurrency) ?? [],
                httpRequests: httpRequests, maxTokens: maxTokens, seed: seed, apiKey: server == nil ? nil : key.resolved
            )
            let result = try await benchmark.run { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            let command = commandLine
            let tables = LoadBenchmark.markdown(result)
            if json {
                print(try JSONOutput.string(Output(command: command, report: result)))
            } else {
                print(tables)
            }
            if let report {
                let text =
                    "# Verifier load run\n\nMeasured with (\(result.cores) cores\(result.inProcess ? ", server in the same process" : "")):\n\n    \(command)\n\n\(tables)\n"
                do {
                    try text.write(toFile: report, atomically: true, encoding: .utf8)
                } catch {
                    throw CommandLineError("cannot write \(report): \(error)")
                }
            }
        }
    }

    private var commandLine: String {
        var parts = ["tandem bench load"]
        if let server {
            parts.append("--server \(server)")
            if let cappedServer { parts.append("--capped-server \(cappedServer)") }
        } else {
            parts.append("--target \(target) --threads \(threads) --max-batch-positions \(maxBatchPositions)")
        }
        parts.append(
            "--sessions \(sessions) --rounds \(rounds) --window \(window) --cap \(cap) --capped-sessions \(cappedSessions)"
        )
        parts.append(
            "--http-concurrency '\(httpConcurrency)' --http-requests \(httpRequests) --max-tokens \(maxTokens)")
        parts.append("--seed \(seed)")
        return parts.joined(separator: " ")
    }
}
