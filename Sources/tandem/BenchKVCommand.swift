import ArgumentParser
import Foundation
import TandemBench
import TandemKernels
import TandemModel

/// `tandem bench kv`: how much an F16 KV cache moves a model's logits from the F32 cache's.
struct BenchKVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv",
        abstract: "Measure an F16 KV cache's accuracy against F32: greedy agreement and top-10 |Δlogit|.",
        discussion: """
            For each --model and each built-in code prompt, the F32 cache generates --tokens greedy tokens; \
            both caches then evaluate prompt + continuation in one pass and the command counts positions \
            where their argmax agrees and the largest |Δlogit| over F32's top 10 tokens (and over the whole \
            vocabulary); the F16 cache also generates on its own and the command reports how many leading \
            tokens it shares with F32's. --report FILE writes a markdown table with the command line.

            Examples:
              tandem bench kv --model /work/models/qwen2.5-coder-0.5b-instruct.gguf --threads 2
              tandem bench kv --model a.gguf --model b.gguf --tokens 64 --report bench/results/kv-precision.md
              tandem bench kv --model a.gguf --json
            """
    )

    static let prompts = [
        "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
        "// A binary search over a sorted array of integers in C\nint search(const int *a, int n, int key) {\n",
        "import json\n\ndef load_config(path):\n    # Read a JSON configuration file and return a dict\n",
        "SELECT customers.name, COUNT(orders.id) AS order_count\nFROM customers\n",
        "The quick brown fox jumps over the lazy dog. In this essay, we explain why",
    ]

    @Option(
        name: .long, help: ArgumentHelp("A GGUF model file (repeatable).", valueName: "file|name"),
        transform: modelFileArgument)
    var model: [String]

    @Option(help: "Compute threads.")
    var threads = 2

    @Option(help: "Greedy tokens generated per prompt.")
    var tokens = 48

    @Option(help: "The precision compared with F32.")
    var precision: KVPrecision = .f16

    @Option(help: ArgumentHelp("Write a markdown report to this file.", valueName: "file"))
    var report: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard !model.isEmpty else { throw ValidationError("give at least one --model") }
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        guard (1...1024).contains(tokens) else { throw ValidationError("--tokens must be in 1…1024") }
    }

    struct FileResult: Encodable {
        var model: String
        var precision: String
        var rows: [KVPrecisionBenchmark.Row]
    }

    func run() throws {
        var results: [FileResult] = []
        do {
            for path in model {
                var options = try ModelRunOptions.parse([])
                options.model = path
                options.threads = threads
                let loaded = try options.loadModel()
                guard let tokenizer = TokenText.tokenizer(for: loaded.file) else {
                    throw CommandLineError("\(path) has no usable tokenizer")
                }
                let prompts = Self.prompts.map { tokenizer.encode($0) }
                let rows = try KVPrecisionBenchmark.compare(
                    model: loaded, prompts: prompts, tokens: tokens, precision: precision)
                results.append(
                    FileResult(model: (path as NSString).lastPathComponent, precision: precision.rawValue, rows: rows))
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let table = markdown(results)
        if json {
            print(try JSONOutput.string(results))
        } else {
            print(table)
        }
        if let report {
            let command =
                "tandem bench kv " + model.map { "--model \($0)" }.joined(separator: " ")
                + " --threads \(threads) --tokens \(tokens) --precision \(precision) --report \(report)"
            let text = """
                # KV cache precision: \(precision) against F32

                Measured with:

                    \(command)

                Per prompt: the F32 cache generates \(tokens) greedy tokens; both caches evaluate prompt + \
                continuation in one pass (teacher forcing) and each generated position compares argmax and \
                logits; the \(precision) cache also generates on its own ("common prefix": leading tokens \
                equal to F32's).

                \(table)
                """
            try text.write(toFile: report, atomically: true, encoding: .utf8)
        }
    }

    private func markdown(_ results: [FileResult]) -> String {
        var lines = [
            "| model | prompt | prompt tokens | positions | argmax agreement | greedy common prefix | top-10 max abs Δlogit | max abs Δlogit |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results {
            for row in r.rows {
                lines.append(
                    "| \(r.model) | \(row.prompt) | \(row.promptTokens) | \(row.positions) | \(row.argmaxAgreements)/\(row.positions) | \(row.greedyCommonPrefix)/\(tokens) | \(String(format: "%.4f", row.top10MaxAbsDelta)) | \(String(format: "%.4f", row.maxAbsDelta)) |"
                )
            }
            let agree = r.rows.reduce(0) { $0 + $1.argmaxAgreements }
            let total = r.rows.reduce(0) { $0 + $1.positions }
            let worst = r.rows.map(\.top10MaxAbsDelta).max() ?? 0
            lines.append(
                "| **\(r.model)** | all | | \(total) | **\(agree)/\(total)** | | **\(String(format: "%.4f", worst))** | |"
            )
        }
        return lines.joined(separator: "\n")
    }
}
