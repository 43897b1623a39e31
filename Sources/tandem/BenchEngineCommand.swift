import ArgumentParser
import Foundation
import TandemBench
import TandemGGUF

/// `tandem bench engine`: prefill / decode speed, k-position pass cost and peak memory, side by side
/// with llama.cpp's `llama-bench` on the same files and thread counts.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure prefill and decode speed, the cost of a k-position pass, and peak memory.",
        discussion: """
            With --model (repeatable), measures each file at each --threads count (default 1,2): decode \
            tok/s (64 one-position passes from an empty cache), prefill tok/s of a --prefill-token prompt \
            (default 512), the cost of a k-position pass for k = 1, 2, 4, 8, 16 after a --depth-token \
            context (default 512) as a ratio to k = 1 (logits for the last position, as llama-bench \
            computes them, and for every position, as a verification pass needs them), and peak RSS. In \
            the same run it measures the file with llama.cpp's llama-bench (--llama-bench PATH, default \
            bench/work/llama.cpp/bin/llama-bench as built by bench/llamacpp/build.sh): -p 512 -n 64, and \
            -p 1,2,4,8,16 -n 0 -d 512, at the same thread counts, and prints both side by side with the \
            ratio Tandem ÷ llama.cpp. Several files are measured one process each, so peak RSS is per \
            file. --report FILE (re)writes the "## Engine" section of FILE with the table and the command.

            Without --model, makes random-weight models in the shape of SmolLM2-135M (30 layers, 576 \
            embd, 9 heads, 3 kv heads, 1536 ff, 49152 vocab) at F16, Q8_0 and Q4_0 with Tandem's own \
            GGUF writer under bench/work/, measures each in its own process (64-token prefill and depth), \
            and writes bench/results/engine.md. If bench/results/llamacpp-engine.json exists (made by \
            bench/llamacpp_engine.py on the same files), the report puts llama.cpp's figures beside them.

            Examples:
              tandem bench engine --model /work/models/qwen2.5-coder-0.5b-instruct.gguf
              tandem bench engine --model a.gguf --model b.gguf --threads 1,2 --report bench/results/real-models.md
              tandem bench engine --model m.gguf --threads 2 --no-llama-bench --json
              tandem bench engine                       # the synthetic suite, 2 threads
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A GGUF model file or installed model name to measure (repeatable; default: the synthetic SmolLM2-135M-shaped suite).",
            valueName: "file|name"), transform: modelFileArgument)
    var model: [String] = []

    @Option(
        help: ArgumentHelp(
            "Compute thread counts, comma-separated (default: 1,2 with --model, 2 for the suite).",
            valueName: "n,n"))
    var threads: String?

    @Option(
        help: ArgumentHelp(
            "llama.cpp's llama-bench (default: bench/work/llama.cpp/bin/llama-bench if present).",
            valueName: "path"))
    var llamaBench: String?

    @Flag(help: "Do not run llama-bench.")
    var noLlamaBench = false

    @Option(help: "Prompt length of the prefill measurement (with --model).")
    var prefillTokens = 512

    @Option(help: "Context before each k-position pass (with --model).")
    var depth = 512

    @Option(help: "Shape of the synthetic suite's models: smollm2-135m or tiny.")
    var shape: String = ModelShape.smollm2_135m.name

    @Option(help: "Tensor types for the synthetic suite.")
    var types: String = "f16,q8_0,q4_0"

    @Option(help: "Folder for the synthetic model files.")
    var workDirectory: String = "bench/work"

    @Option(
        help: ArgumentHelp(
            "Markdown report: the suite's file (default bench/results/engine.md), or with --model a file whose engine section is (re)written.",
            valueName: "file"))
    var report: String?

    @Option(help: "Timed repetitions of each measurement (the median is reported; k-passes 3× as many).")
    var repetitions: Int = 3

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try reportingErrors(body)
    }

    private func body() throws {
        guard repetitions >= 1, prefillTokens >= 1, depth >= 1 else {
            throw CommandLineError("--repetitions, --prefill-tokens and --depth must be ≥ 1")
        }
        if model.isEmpty {
            try runSuite()
        } else {
            try runModels()
        }
    }

    /// The thread counts of `--threads`, or `fallback`.
    private func threadCounts(default fallback: [Int]) throws -> [Int] {
        guard let threads else { return fallback }
        let counts = threads.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw CommandLineError("--threads: expected comma-separated counts ≥ 1, such as 1,2 (got '\(threads)')")
        }
        return counts.compactMap { $0 }
    }

    /// A model argument (already resolved from an installed model's name by `modelFileArgument`) →
    /// an existing file path.
    private func resolveModel(_ argument: String) throws -> String {
        guard FileManager.default.fileExists(atPath: argument) else {
            throw CommandLineError("no such model file: \(argument)")
        }
        return argument
    }

    /// llama-bench's path, or nil when it is not to be run (with the reason on stderr).
    private func llamaBenchPath() throws -> String? {
        if noLlamaBench { return nil }
        if let llamaBench {
            guard FileManager.default.isExecutableFile(atPath: llamaBench) else {
                throw CommandLineError("--llama-bench: \(llamaBench) is not an executable file")
            }
            return llamaBench
        }
        let built = "bench/work/llama.cpp/bin/llama-bench"
        if FileManager.default.isExecutableFile(atPath: built) { return built }
        FileHandle.standardError.write(
            Data(
                "note: no llama-bench at \(built) (run bench/llamacpp/build.sh, or give --llama-bench PATH); Tandem only\n"
                    .utf8))
        return nil
    }

    private func runModels() throws {
        let paths = try model.map(resolveModel)
        let counts = try threadCounts(default: [1, 2])
        let llama = try llamaBenchPath()
        var results: [EngineComparison] = []
        if paths.count == 1 {
            results = [try measure(paths[0], threads: counts, llamaBench: llama)]
        } else {
            // One process per file, so each peak RSS belongs to that file alone.
            for path in paths {
                var arguments = [
                    "bench", "engine", "--model", path, "--threads", counts.map(String.init).joined(separator: ","),
                    "--prefill-tokens", String(prefillTokens), "--depth", String(depth),
                    "--repetitions", String(repetitions), "--json",
                ]
                arguments += llama.map { ["--llama-bench", $0] } ?? ["--no-llama-bench"]
                let output = try Subprocess.run(CommandLine.arguments[0], arguments)
                results += try JSONDecoder().decode([EngineComparison].self, from: Data(output.utf8))
            }
        }
        let table = EngineComparison.table(results)
        if json {
            try JSONOutput.print(results)
        } else {
            print(table)
        }
        if let report {
            let old =
                (try? String(contentsOfFile: report, encoding: .utf8)) ?? "# Real models: Tandem against llama.cpp\n"
            let section = EngineComparison.markdownSection(
                table: table, command: reproduceCommand(paths, counts),
                machine: BenchMachine.describe(), date: Date())
            try MarkdownSection.replacing(EngineComparison.sectionHeading, in: old, with: section)
                .write(toFile: report, atomically: true, encoding: .utf8)
            FileHandle.standardError.write(Data("wrote the engine section of \(report)\n".utf8))
        }
    }

    /// One file measured by the library, its progress drawn on stderr.
    private func measure(_ path: String, threads counts: [Int], llamaBench: String?) throws -> EngineComparison {
        var measurement = EngineMeasurement(path: path, threadCounts: counts, llamaBench: llamaBench)
        measurement.prefillTokens = prefillTokens
        measurement.depth = depth
        measurement.repetitions = repetitions
        let name = (path as NSString).lastPathComponent
        var printer: ProgressPrinter?
        return try measurement.run { event in
            switch event {
            case .tandem(let threads, let fraction):
                if printer == nil {
                    printer = ProgressPrinter(label: "Tandem, \(threads) thread\(threads == 1 ? "" : "s"): \(name)")
                }
                printer?.update(fraction)
            case .tandemFinished:
                printer?.finish()
                printer = nil
            case .llamaBenchStarted:
                FileHandle.standardError.write(Data("llama-bench: \(name), threads \(counts)\n".utf8))
            case .llamaBenchFailed(let reason):
                FileHandle.standardError.write(Data("llama-bench failed: \(reason)\n".utf8))
            }
        }
    }

    private func reproduceCommand(_ paths: [String], _ counts: [Int]) -> String {
        var parts = [".build/release/tandem bench engine"] + paths.map { "--model \($0)" }
        parts.append("--threads \(counts.map(String.init).joined(separator: ","))")
        if prefillTokens != 512 { parts.append("--prefill-tokens \(prefillTokens)") }
        if depth != 512 { parts.append("--depth \(depth)") }
        if repetitions != 3 { parts.append("--repetitions \(repetitions)") }
        if let llamaBench { parts.append("--llama-bench \(llamaBench)") }
        if noLlamaBench { parts.append("--no-llama-bench") }
        if let report { parts.append("--report \(report)") }
        return parts.joined(separator: " ")
    }

    private func runSuite() throws {
        let count = try threadCounts(default: [2])
        guard count.count == 1, let threads = count.first else {
            throw CommandLineError("the synthetic suite takes one --threads count")
        }
        let parsed = try types.split(separator: ",").map { name -> GGMLType in
            guard let type = GGMLType(name: String(name)) else {
                throw ValidationError("unknown tensor type '\(name)'")
            }
            return type
        }
        guard let shape = ModelShape.all.first(where: { $0.name == self.shape }) else {
            throw ValidationError(
                "unknown shape '\(self.shape)' (known: \(ModelShape.all.map(\.name).joined(separator: ", ")))")
        }
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        var results: [EngineBenchmark.Result] = []
        for type in parsed {
            let path = "\(workDirectory)/\(shape.name)-\(type.description.lowercased()).gguf"
            if !FileManager.default.fileExists(atPath: path) {
                let printer = ProgressPrinter(label: "writing \(path)")
                try SyntheticModelWriter(shape: shape, type: type).write(to: path) { printer.update($0) }
                printer.finish()
            }
            // One process per model, so peak RSS belongs to that model alone.
            let output = try Subprocess.run(
                CommandLine.arguments[0],
                [
                    "bench", "engine", "--model", path, "--threads", String(threads), "--prefill-tokens", "64",
                    "--depth", "64", "--repetitions", String(repetitions), "--no-llama-bench", "--json",
                ])
            let decoded = try JSONDecoder().decode([EngineComparison].self, from: Data(output.utf8))
            results += decoded.flatMap(\.tandem)
        }
        let reference = EngineReport.loadReference("bench/results/llamacpp-engine.json")
        let table = EngineReport.table(results, reference: reference)
        if json {
            try JSONOutput.print(results)
        } else {
            print(table)
        }
        let report = self.report ?? "bench/results/engine.md"
        let markdown = EngineReport.markdown(table: table, threads: threads, hasReference: !reference.isEmpty)
        try FileManager.default.createDirectory(
            atPath: (report as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try markdown.write(toFile: report, atomically: true, encoding: .utf8)
        FileHandle.standardError.write(Data("wrote \(report)\n".utf8))
    }
}
