import ArgumentParser
import Foundation
import TandemBench
import TandemDecoding

/// `bench route --pass-at-1` and its options: HumanEval pass@1 under routing.
struct RoutePassAtOneOptions: ParsableArguments {
    @Flag(
        name: .customLong("pass-at-1"),
        help: "Measure HumanEval pass@1 (needs --humaneval) instead of sweeping thresholds.")
    var passAt1 = false

    @Option(
        help: ArgumentHelp(
            "Routed settings: a calibration file from tools/router/train_router.py (score, budget, threshold).",
            valueName: "file"))
    var calibration: String?

    @Option(help: ArgumentHelp("A learned router (JSON from tools/router/train_router.py).", valueName: "file"))
    var router: String?

    @Option(
        name: .customLong("work-dir"),
        help: ArgumentHelp(
            "Save each completion here as it is made; a rerun resumes (one .jsonl per setting).", valueName: "dir"))
    var workDirectory: String?

    @Option(
        name: .customLong("only"),
        help: ArgumentHelp(
            "Run only these settings (names as in the report: draft-alone, target-alone, route-top-prob-10, …).",
            valueName: "a,b,…"))
    var only: String?

    @Flag(
        name: .customLong("capped"),
        help:
            "Also run each calibrated setting with its budget as a hard cap per completion (route-…-capped): past it, uncertain positions stay with the draft."
    )
    var capped = false

    @Flag(name: .customLong("no-baselines"), help: "Skip the draft-alone and target-alone settings.")
    var noBaselines = false

    @Option(
        name: .customLong("humaneval-format"),
        help: ArgumentHelp(
            "raw: the prompt to continue (base models); chat: asked in the chat template, the answer opened with the prompt (instruct models).",
            valueName: "raw|chat"))
    var format: HumanEvalPromptFormat = .chat
}

extension HumanEvalPromptFormat: ExpressibleByArgument {}

extension BenchRouteCommand {
    func runPassAtOne() async throws {
        let report = self.report ?? "bench/results/real-routing.md"
        let svg = self.svg ?? (report as NSString).deletingPathExtension + ".svg"
        try await reportingErrors {
            let configuration = try passAtOneConfiguration()
            let quiet = json
            let result = try await HumanEvalRouting(configuration).run { line in
                if !quiet {
                    print(line)
                    fflush(nil)
                }
            }
            let header = """
                # HumanEval pass@1 under token-level routing: \(result.draft) → \(result.target)

                Problems \(result.problems) (thresholds calibrated and the router trained on 0–79 only), \(result.format.rawValue) prompts, greedy, at most \
                \(result.maxTokens) tokens, stopping at \(result.stops.map(Self.inlineCode).joined(separator: " ")); \
                \(threads) thread(s) per model; verifier on loopback. Measured \(ISO8601DateFormatter().string(from: Date())) on \
                \(BenchMachine.describe()).
                Reproduce: `.build/release/tandem \(CommandLine.arguments.dropFirst().joined(separator: " "))`.
                """
            try writeReport(
                result, markdown: result.markdown(header: header), svg: result.svg(), report: report, svgPath: svg)
        }
    }

    /// `text` as Markdown inline code, newlines shown as \n (double backticks when it holds one).
    static func inlineCode(_ text: String) -> String {
        let shown = text.replacingOccurrences(of: "\n", with: "\\n")
        return shown.contains("`") ? "`` \(shown) ``" : "`\(shown)`"
    }

    private func passAtOneConfiguration() throws -> HumanEvalRouting.Configuration {
        guard promptSource.usesHumanEval else {
            throw CommandLineError("--pass-at-1 runs HumanEval problems: add --humaneval (and --problems 80-163)")
        }
        let maxTokens = self.maxTokens ?? 384
        guard maxTokens >= 1 else { throw CommandLineError("--max-tokens must be ≥ 1") }
        guard threads >= 1 else { throw CommandLineError("--threads must be ≥ 1") }
        for (flag, path) in [("--target", target), ("--draft", draft)]
        where !FileManager.default.fileExists(atPath: path) {
            throw CommandLineError("\(flag): no file at \(path)")
        }
        let problems: [HumanEvalProblem]
        do {
            let path = try promptSource.humanevalFile ?? HumanEval.locate()
            problems = try HumanEval.select(
                HumanEval.load(path: path), ranges: HumanEval.parseRanges(promptSource.problems))
        } catch {
            throw CommandLineError("\(error)")
        }
        var settings: [HumanEvalRouting.Setting] =
            passAtOne.noBaselines ? [] : [.init(mode: .draftAlone), .init(mode: .targetAlone)]
        if let path = passAtOne.calibration {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandLineError("--calibration: cannot read \(path)")
            }
            do {
                let calibrated = try HumanEvalRouting.calibration(data, name: path)
                settings += calibrated + (passAtOne.capped ? calibrated.map(\.capped) : [])
            } catch {
                throw CommandLineError("\(error)")
            }
        }
        if let only = passAtOne.only {
            let names = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let unknown = names.subtracting(settings.map(\.name))
            guard unknown.isEmpty else {
                throw CommandLineError(
                    "--only: no setting \(unknown.sorted().joined(separator: ", ")); there are \(settings.map(\.name).joined(separator: ", "))"
                )
            }
            settings = settings.filter { names.contains($0.name) }
        }
        guard !settings.isEmpty else { throw CommandLineError("no settings to run (see --calibration, --only)") }
        var router: LearnedRouter?
        if let path = passAtOne.router {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandLineError("--router: cannot read \(path)")
            }
            router = try LearnedRouter.decode(data)
        }
        if settings.contains(where: { $0.score == "learned" }), router == nil {
            throw CommandLineError("the calibration has learned-router settings: pass --router FILE")
        }
        return HumanEvalRouting.Configuration(
            targetPath: target, draftPath: draft, problems: problems, settings: settings, router: router,
            maxTokens: maxTokens, threads: threads, workDirectory: passAtOne.workDirectory,
            executor: HumanEvalExecutor(problemsFile: promptSource.humanevalFile), format: passAtOne.format)
    }
}
