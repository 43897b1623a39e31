import ArgumentParser
import Foundation
import TandemGGUF

/// `tandem bench engine`: prefill / decode speed, k-position pass cost and peak memory.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure prefill and decode speed, the cost of a k-position pass, and peak memory.",
        discussion: """
            With --model, measures that file. Without it, makes random-weight models in the shape of \
            SmolLM2-135M (30 layers, 576 embd, 9 heads, 3 kv heads, 1536 ff, 49152 vocab) at F16, \
            Q8_0 and Q4_0 with Tandem's own GGUF writer under bench/work/, measures each in its own \
            process (so peak RSS is per model), and writes bench/results/engine.md. If \
            bench/results/llamacpp-engine.json exists (made by bench/llamacpp_engine.py on the same \
            files), the report puts llama.cpp's figures and the ratio next to each of Tandem's.

            Examples:
              tandem bench engine                       # the suite, 2 threads
              tandem bench engine --model m.gguf --threads 2 --json
            """
    )

    @Option(help: "A GGUF model file or installed model name to measure (default: the synthetic SmolLM2-135M-shaped suite).", transform: modelFileArgument)
    var model: String?

    @Option(help: "Compute threads.")
    var threads: Int = 2

    @Option(help: "Shape of the synthetic suite's models: smollm2-135m or tiny.")
    var shape: String = ModelShape.smollm2_135m.name

    @Option(help: "Tensor types for the synthetic suite.")
    var types: String = "f16,q8_0,q4_0"

    @Option(help: "Folder for the synthetic model files.")
    var workDirectory: String = "bench/work"

    @Option(help: "Where the suite writes its Markdown report.")
    var report: String = "bench/results/engine.md"

    @Option(help: "Timed repetitions of each measurement (the median is reported).")
    var repetitions: Int = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try reportingErrors(body)
    }

    private func body() throws {
        if let model {
            let result = try EngineBenchmark(path: model, threads: threads, repetitions: repetitions).run()
            if json {
                print(try JSONOutput.string(result))
            } else {
                print(EngineReport.table([result], reference: [:]))
            }
            return
        }
        try runSuite()
    }

    private func runSuite() throws {
        let parsed = try types.split(separator: ",").map { name -> GGMLType in
            guard let type = GGMLType(name: String(name)) else { throw ValidationError("unknown tensor type '\(name)'") }
            return type
        }
        guard let shape = ModelShape.all.first(where: { $0.name == self.shape }) else {
            throw ValidationError("unknown shape '\(self.shape)' (known: \(ModelShape.all.map(\.name).joined(separator: ", ")))")
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
                ["bench", "engine", "--model", path, "--threads", String(threads),
                 "--repetitions", String(repetitions), "--json"])
            results.append(try JSONDecoder().decode(EngineBenchmark.Result.self, from: Data(output.utf8)))
        }
        let reference = EngineReport.loadReference("bench/results/llamacpp-engine.json")
        let table = EngineReport.table(results, reference: reference)
        if json {
            print(try JSONOutput.string(results))
        } else {
            print(table)
        }
        let markdown = EngineReport.markdown(table: table, threads: threads, hasReference: !reference.isEmpty)
        try FileManager.default.createDirectory(
            atPath: (report as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try markdown.write(toFile: report, atomically: true, encoding: .utf8)
        FileHandle.standardError.write(Data("wrote \(report)\n".utf8))
    }
}
