import ArgumentParser
import Foundation
import TandemBench
import TandemModel

/// `tandem bench batch`: the verifier under N concurrent sessions, batched and not.
struct BenchBatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Measure the verifier under N concurrent sessions, with continuous batching on and off.",
        discussion: """
            Runs a load driver against in-process verifiers of --target (the server's own sessions and \
            batcher, no network): for each --sessions count, assisted sessions (windows of --window drafts \
            replayed from the target's own greedy continuation, each draft wrong with probability \
            1 − --acceptance, so no draft model competes for the cores) and cloud-only sessions (one \
            target step per round), with batching on (--max-batch-positions) and off (one pass at a time, \
            the server before batching). Every session's output is checked against the target's greedy \
            continuation. Prints tokens/s over all sessions, process CPU seconds per token, positions and \
            sessions per pass, p50/p99 round latency and RSS; --json prints {"rows":[…]}; --report FILE \
            writes a markdown table with the command line. Figures depend on the machine's load: run it \
            on a quiet machine.

            Examples:
              tandem bench batch --target /work/models/qwen2.5-coder-1.5b-instruct.gguf --sessions 1,2,4,8,16 --window 4 --acceptance 0.8 --max-tokens 64
              tandem bench batch --target t.gguf --sessions 1,8 --modes cloud-only --json
              tandem bench batch --target t.gguf --threads 2 --report bench/results/batching-run.md
            """
    )

    @Option(
        name: .long, help: ArgumentHelp("The target model.", valueName: "file|name"), transform: modelFileArgument)
    var target: String

    @Option(help: ArgumentHelp("Concurrent session counts, comma-separated.", valueName: "n,n"))
    var sessions = "1,2,4,8,16"

    @Option(help: "Drafts per assisted round.")
    var window = 4

    @Option(help: "Probability that a replayed draft is the target's own token.")
    var acceptance = 0.8

    @Option(help: "Tokens each session generates.")
    var maxTokens = 64

    @Option(help: "Compute threads.")
    var threads = 2

    @Option(help: "Most new positions in one batched pass.")
    var maxBatchPositions = 128

    @Option(help: "The longest (ms) a batched pass waits for the last pass's sessions to come back.")
    var batchLingerMs = 20.0

    @Option(help: ArgumentHelp("Modes, comma-separated: assisted, cloud-only.", valueName: "list"))
    var modes = "assisted,cloud-only"

    @Option(help: ArgumentHelp("Batching settings to run, comma-separated: on, off.", valueName: "list"))
    var batching = "off,on"

    @Option(help: ArgumentHelp("Write a markdown report to this file.", valueName: "file"))
    var report: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    static let prompts = [
        "def quicksort(items):\n    \"\"\"Sort a list with quicksort.\"\"\"\n",
        "// Parse a decimal integer from a string in C\nint parse_int(const char *s) {\n",
        "import os\n\ndef walk(root):\n    # Yield every file path under root\n",
        "class Stack:\n    \"\"\"A simple stack.\"\"\"\n    def __init__(self):\n",
    ]

    func validate() throws {
        guard parsedSessions.map({ !$0.isEmpty && $0.allSatisfy { (1...256).contains($0) } }) ?? false else {
            throw ValidationError("--sessions must be counts in 1…256, comma-separated")
        }
        guard (1...64).contains(window) else { throw ValidationError("--window must be in 1…64") }
        guard (0...1).contains(acceptance) else { throw ValidationError("--acceptance must be in 0…1") }
        guard (1...4096).contains(maxTokens) else { throw ValidationError("--max-tokens must be in 1…4096") }
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        guard maxBatchPositions >= 1 else { throw ValidationError("--max-batch-positions must be ≥ 1") }
        guard (0...10000).contains(batchLingerMs) else { throw ValidationError("--batch-linger-ms must be in 0…10000") }
        guard parsedModes != nil else { throw ValidationError("--modes takes assisted and/or cloud-only") }
        guard parsedBatching != nil else { throw ValidationError("--batching takes on and/or off") }
    }

    var parsedSessions: [Int]? {
        let parts = sessions.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parts.contains(nil) ? nil : parts.compactMap { $0 }
    }

    var parsedModes: [BatchLoadDriver.Mode]? {
        let parts = modes.split(separator: ",").map { BatchLoadDriver.Mode(rawValue: String($0)) }
        return parts.isEmpty || parts.contains(nil) ? nil : parts.compactMap { $0 }
    }

    var parsedBatching: [Bool]? {
        let parts = batching.split(separator: ",").map { $0 == "on" ? true : ($0 == "off" ? false : nil) }
        return parts.isEmpty || parts.contains(nil) ? nil : parts.compactMap { $0 }
    }

    struct Output: Encodable {
        var rows: [BatchLoadDriver.Row]
    }

    func run() async throws {
        var rows: [BatchLoadDriver.Row] = []
        do {
            var options = try ModelRunOptions.parse([])
            options.model = target
            options.threads = threads
            let model = try options.loadModel()
            guard let tokenizer = TokenText.tokenizer(for: model.file) else {
                throw CommandLineError("\(target) has no usable tokenizer")
            }
            FileHandle.standardError.write(Data("computing the replay continuations…\n".utf8))
            let driver = try BatchLoadDriver(
                model: model, prompts: Self.prompts.map { tokenizer.encode($0) }, window: window,
                acceptance: acceptance, maxTokens: maxTokens, maxBatchPositions: maxBatchPositions,
                maxLinger: batchLingerMs / 1000)
            for mode in parsedModes ?? [] {
                for n in parsedSessions ?? [] {
                    for batched in parsedBatching ?? [] {
                        let row = try await driver.run(mode: mode, sessions: n, batching: batched)
                        FileHandle.standardError.write(
                            Data(
                                "\(mode.rawValue) ×\(n) batching \(batched ? "on" : "off"): \(String(format: "%.2f", row.tokensPerS)) tok/s\n"
                                    .utf8))
                        rows.append(row)
                    }
                }
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let table = Self.markdown(rows)
        if json {
            print(try JSONOutput.string(Output(rows: rows)))
        } else {
            print(table)
        }
        if let report {
            let command =
                "tandem bench batch --target \(target) --sessions \(sessions) --window \(window) --acceptance \(acceptance) --max-tokens \(maxTokens) --threads \(threads) --max-batch-positions \(maxBatchPositions) --batch-linger-ms \(batchLingerMs) --modes \(modes) --batching \(batching) --report \(report)"
            let text = "# Batched verification: load driver run\n\nMeasured with:\n\n    \(command)\n\n\(table)\n"
            do {
                try text.write(toFile: report, atomically: true, encoding: .utf8)
            } catch {
                FileHandle.standardError.write(Data("error: cannot write \(report): \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }

    static func markdown(_ rows: [BatchLoadDriver.Row]) -> String {
        var lines = [
            "| mode | sessions | batching | tokens/s | × unbatched | CPU s/token | positions/pass | sessions/pass | p50 round ms | p99 round ms | RSS MiB |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows {
            let base = rows.first { $0.mode == r.mode && $0.sessions == r.sessions && !$0.batching }
            let ratio = base.map { String(format: "%.2f", r.tokensPerS / max($0.tokensPerS, 1e-9)) } ?? "–"
            lines.append(
                "| \(r.mode) | \(r.sessions) | \(r.batching ? "on" : "off") | \(String(format: "%.2f", r.tokensPerS)) | \(ratio) | \(String(format: "%.4f", r.serverCPUSecondsPerToken)) | \(String(format: "%.1f", r.positionsPerPass)) | \(String(format: "%.2f", r.sessionsPerPass)) | \(String(format: "%.0f", r.p50RoundMs)) | \(String(format: "%.0f", r.p99RoundMs)) | \(String(format: "%.0f", r.rssMB)) |"
            )
        }
        return lines.joined(separator: "\n")
    }
}
