import ArgumentParser
import Foundation
import TandemBench

/// `tandem bench exit-layers`: the provisional-verdict hit rate of early exits, layer by layer, on the
/// verification windows a real draft proposes.
struct BenchExitLayersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exit-layers",
        abstract:
            "Measure how often an early exit at each layer gives the final verdict (preemptive drafting's hit rate).",
        discussion: """
            Runs assisted decoding in this process (greedy; the draft proposes with --window, the target \
            verifies) and, in every verification pass, reads the early exit of every --layers layer in that \
            same pass: the hidden state after L blocks through the model's own final norm and output head \
            (through the trained exit head at its layer, from the model file or --exit-head). For each layer \
            it reports the share of windows whose provisional verdict (accepted length and next token) equals \
            the final verdict, which is the hit rate preemptive drafting would see at that exit layer. Writes \
            Markdown (--out), JSON and an SVG next to it.

            --hidden-layers L,… --hidden-out FILE also writes the hidden states (those layers and the last) and \
            final argmaxes of every prompt row and verified row: the training data of tools/train/fit_exit_head.py.

            Examples:
              tandem bench exit-layers                  # bundled pair, every layer
              tandem bench exit-layers --draft qwen2.5-coder-0.5b-instruct --target qwen2.5-coder-1.5b-instruct \\
                --humaneval --problems 80-95 --layers 8,12,14,16,18,20,22,24,26,27,28 --out bench/results/real-exit-layers.md
              tandem bench exit-layers --draft D.gguf --target T.gguf --humaneval --problems 0-79 \\
                --layers 16,20 --hidden-layers 16,20 --hidden-out /tmp/exit --max-tokens 24 --json
              tandem bench exit-layers --draft D.gguf --target T.gguf --exit-head T.exit-head.gguf --humaneval
            """
    )

    @OptionGroup var models: ModelPairOptions
    var draft: String { models.draft }
    var target: String { models.target }

    @Option(
        help: ArgumentHelp("Prompts: one per line, or JSON Lines with \"prompt\" or \"messages\".", valueName: "file"))
    var prompts = "bench/prompts/preempt.txt"

    @OptionGroup var promptSource: PromptSourceOptions

    @Option(help: ArgumentHelp("Exit layers to tally, comma-separated (default: every layer).", valueName: "L,L,…"))
    var layers: String?

    @Option(help: ArgumentHelp("Window policy: adaptive or a fixed window 1…16.", valueName: "policy"))
    var window = "adaptive"

    @Option(help: "Tokens to generate per prompt.")
    var maxTokens = 48

    @Option(help: "Compute threads of each model.")
    var threads = 1

    @Option(help: ArgumentHelp("A trained exit-head side file for the target.", valueName: "file"))
    var exitHead: String?

    @Option(
        help: ArgumentHelp(
            "Also keep these layers' (and the last layer's) hidden states, prompt rows included (with --hidden-out).",
            valueName: "L,L,…"))
    var hiddenLayers: String?

    @Option(
        help: ArgumentHelp(
            "Where the hidden states go: FILE.L<n>.f32 per layer (float32 rows), FILE.tokens (int32 argmaxes).",
            valueName: "file"))
    var hiddenOut: String?

    @Option(help: ArgumentHelp("Where the Markdown report goes (JSON and SVG go next to it).", valueName: "file"))
    var out = "bench/results/exit-layers-latest.md"

    @Flag(help: "Print the results as JSON instead of the table.")
    var json = false

    func run() async throws {
        try await reportingErrors { try await body() }
    }

    private func body() async throws {
        let chosen = try (layers ?? "").split(separator: ",").map { part -> Int in
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value >= 1 else {
                throw CommandLineError("--layers: expected layer numbers ≥ 1 separated by commas, got '\(part)'")
            }
            return value
        }
        guard window == "adaptive" || (Int(window).map { (1...16).contains($0) } ?? false) else {
            throw CommandLineError("--window: '\(window)' is not adaptive or a number 1…16")
        }
        guard maxTokens >= 1 else { throw CommandLineError("--max-tokens must be ≥ 1") }
        guard threads >= 1 else { throw CommandLineError("--threads must be ≥ 1") }
        guard (hiddenLayers == nil) == (hiddenOut == nil) else {
            throw CommandLineError("--hidden-layers and --hidden-out go together")
        }
        let hidden = try (hiddenLayers ?? "").split(separator: ",").map { part -> Int in
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value >= 1 else {
                throw CommandLineError("--hidden-layers: expected layer numbers ≥ 1 separated by commas, got '\(part)'")
            }
            return value
        }
        for path in [draft, target] + (exitHead.map { [$0] } ?? []) + (promptSource.usesHumanEval ? [] : [prompts])
        where !FileManager.default.fileExists(atPath: path) {
            throw CommandLineError("no file at \(path)")
        }
        let lines = try promptSource.texts(promptsFile: prompts, tokenizerModel: target)
        let benchmark = ExitLayerBenchmark(
            .init(
                draftPath: draft, targetPath: target, exitHeadPath: exitHead, prompts: lines, layers: chosen,
                window: window, maxTokens: maxTokens, threads: threads, hiddenLayers: hidden, hiddenOut: hiddenOut))
        let started = Date()
        let quiet = json
        let results = try await benchmark.run { done, total in
            guard !quiet else { return }
            FileHandle.standardError.write(Data("[\(done)/\(total)] prompts\n".utf8))
        }
        let header = [
            "Run: \(ISO8601DateFormatter().string(from: started)), \(String(format: "%.0f", Date().timeIntervalSince(started))) s; "
                + "command: `tandem \(CommandLine.arguments.dropFirst().joined(separator: " "))`",
            "Models: draft \(draft), target \(target)\(exitHead.map { ", exit head \($0)" } ?? ", no exit-head side file"); "
                + "\(lines.count) prompts from \(promptSource.describe(promptsFile: prompts)), \(maxTokens) tokens each, greedy.",
        ]
        let markdown = ExitLayerReport.markdown(results, header: header)
        let directory = (out as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try markdown.write(toFile: out, atomically: true, encoding: .utf8)
        let stem = (out as NSString).deletingPathExtension
        try JSONOutput.write(results, toFile: stem + ".json")
        let name = (target as NSString).lastPathComponent
        try ExitLayerReport.svg(results, title: "Early-exit provisional verdicts: \(name)")
            .write(toFile: stem + ".svg", atomically: true, encoding: .utf8)
        if json {
            try JSONOutput.print(results)
        } else {
            print(markdown)
            FileHandle.standardError.write(Data("wrote \(out), \(stem).json and \(stem).svg\n".utf8))
        }
    }
}
