import ArgumentParser
import Foundation
import TandemBench
import TandemKernels

/// `tandem bench preempt`: latency per token with vs without early-exit preemptive drafting, over an
/// emulated link, measured and under a modelled cloud/edge profile.
struct BenchPreemptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preempt",
        abstract: "Measure latency with vs without early-exit preemptive drafting over an emulated link.",
        discussion: """
            Starts a verifier with the target on 127.0.0.1:0, puts the link emulator in front of it at \
            each RTT, and runs every prompt with two clients holding the draft — without and with \
            --preemptive — taking turns prompt by prompt (greedy, so both must produce the same tokens). \
            Reports latency per token, the preemptive hit rate, drafting time saved per round, wasted \
            drafts, the provisional→verdict gap on the wire, and a modelled column that prices the same \
            measured counts with bench assist's A100 + Jetson profile (CloudProfile). Writes Markdown (--out) and \
            JSON (next to it, .json).

            Examples:
              tandem bench preempt                                  # bundled pair, RTT 10,25,50,100 ms
              tandem bench preempt --rtt 25,100 --windows adaptive --max-tokens 32 --json
              tandem bench preempt --draft d.gguf --target t.gguf --prompts my-prompts.txt --out bench/results/preempt-mine.md
              tandem bench preempt --draft qwen2.5-coder-0.5b-instruct --target qwen2.5-coder-1.5b-instruct \
                --humaneval --problems 80-83 --rtt 0,25,50 --windows adaptive --pin --exit-layer 24 \
                --out bench/results/real-preempt-latency.md
            """
    )

    @OptionGroup var models: ModelPairOptions
    var draft: String { models.draft }
    var target: String { models.target }

    @Option(
        help: ArgumentHelp("Prompts: one per line, or JSON Lines with \"prompt\" or \"messages\".", valueName: "file"))
    var prompts = "bench/prompts/preempt.txt"

    @OptionGroup var promptSource: PromptSourceOptions

    @Option(help: ArgumentHelp("Round-trip times in ms, comma-separated.", valueName: "ms,ms,…"))
    var rtt = "10,25,50,100"

    @Option(
        help: ArgumentHelp(
            "Window policies, comma-separated: adaptive, adaptive-profile (the adaptive window fed the profile's costs), doubling or a number.",
            valueName: "list"))
    var windows = "adaptive,adaptive-profile,4"

    @Option(help: "Tokens to generate per prompt.")
    var maxTokens = 48

    @Option(help: "Compute threads of each model (the client's draft and the server's target share this machine).")
    var threads = 1

    @Option(
        help: ArgumentHelp(
            "The target's early-exit layer (default: its trained head, else the middle).", valueName: "L"))
    var exitLayer: Int?

    @Option(
        help: ArgumentHelp(
            "A trained exit-head side file for the target (tools/train/fit_exit_head.py).", valueName: "file"))
    var exitHead: String?

    @Flag(help: "Pin the client (draft) to CPU 0 and the verifier (target) to CPU 1: two one-core devices. Linux only.")
    var pin = false

    @Option(name: .customLong("client-cpu"), help: ArgumentHelp("The client's CPU (implies --pin).", valueName: "N"))
    var clientCPU: Int?

    @Option(name: .customLong("server-cpu"), help: ArgumentHelp("The verifier's CPU (implies --pin).", valueName: "N"))
    var serverCPU: Int?

    @Option(help: ArgumentHelp("Where the Markdown report goes (the JSON goes next to it).", valueName: "file"))
    var out = "bench/results/preempt-latest.md"

    @Flag(help: "Print the results as JSON instead of the table.")
    var json = false

    func run() async throws {
        try await reportingErrors { try await body() }
    }

    private func body() async throws {
        let rtts = try rtt.split(separator: ",").map { part -> Double in
            guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value >= 0,
                value <= AssistGrid.maxRTTMs
            else {
                throw CommandLineError(
                    "--rtt: expected milliseconds in 0…\(Int(AssistGrid.maxRTTMs)) separated by commas, got '\(part)'")
            }
            return value
        }
        let policies = windows.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !rtts.isEmpty, !policies.isEmpty else {
            throw CommandLineError("--rtt and --windows need at least one value")
        }
        for policy in policies
        where !["adaptive", "adaptive-profile", "doubling"].contains(policy)
            && !(Int(policy).map { (1...16).contains($0) } ?? false)
        {
            throw CommandLineError(
                "--windows: '\(policy)' is not adaptive, adaptive-profile, doubling or a number 1…16")
        }
        guard maxTokens >= 1 else { throw CommandLineError("--max-tokens must be ≥ 1") }
        guard threads >= 1 else { throw CommandLineError("--threads must be ≥ 1") }
        for path in [draft, target] + (promptSource.usesHumanEval ? [] : [prompts])
        where !FileManager.default.fileExists(atPath: path) {
            throw CommandLineError("no file at \(path)")
        }
        if let exitHead, !FileManager.default.fileExists(atPath: exitHead) {
            throw CommandLineError("no file at \(exitHead)")
        }
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
        let lines = try promptSource.texts(promptsFile: prompts, tokenizerModel: target)

        let benchmark = PreemptBenchmark(
            .init(
                draftPath: draft, targetPath: target, prompts: lines, rttsMs: rtts,
                policies: policies, maxTokens: maxTokens, threads: threads, exitLayer: exitLayer,
                exitHeadPath: exitHead, clientCPUs: clientCPUs, serverCPUs: serverCPUs))
        let started = Date()
        let machine = BenchMachine.describe()
        let quiet = json
        let results = try await benchmark.run { done, cells, label in
            guard !quiet else { return }
            let elapsed = Date().timeIntervalSince(started)
            let eta = done > 0 ? String(format: ", ETA %.0f s", elapsed / Double(done) * Double(cells - done)) : ""
            FileHandle.standardError.write(Data("[\(done)/\(cells)] \(label)\(eta)\n".utf8))
        }

        let load = BenchMachine.loadAverage() ?? "n/a"
        let header = [
            "Run: \(ISO8601DateFormatter().string(from: started)), \(String(format: "%.0f", Date().timeIntervalSince(started))) s; "
                + "command: `tandem \(CommandLine.arguments.dropFirst().joined(separator: " "))`",
            "Machine: \(machine); load average \(load) at the end. "
                + "Other engineers build and test on the same cores, so the measured times are noisy: compare the off/on pairs, "
                + "which take turns prompt by prompt.",
            "Models: draft \(draft), target \(target) (exit layer \(results.exitLayer) of \(results.layers)); "
                + "\(lines.count) prompts from \(promptSource.describe(promptsFile: prompts)), \(maxTokens) tokens each, greedy, \(threads) thread(s) per model; "
                + "client and server in one process over 127.0.0.1 through the link emulator"
                + (pinned
                    ? ", client pinned to CPU \(clientCPUs?[0] ?? 0), verifier to CPU \(serverCPUs?[0] ?? 1)."
                    : ", not pinned.")
                + (exitHead.map { " Exit head: \($0)." } ?? ""),
        ]
        let markdown = PreemptReport.markdown(results, header: header)
        let directory = (out as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try markdown.write(toFile: out, atomically: true, encoding: .utf8)
        let jsonPath = (out as NSString).deletingPathExtension + ".json"
        try JSONOutput.write(results, toFile: jsonPath)
        if json {
            try JSONOutput.print(results)
        } else {
            print(markdown)
            FileHandle.standardError.write(Data("wrote \(out) and \(jsonPath)\n".utf8))
        }
        if results.rows.contains(where: { !$0.sameOutput }) {
            throw CommandLineError("preemption changed the output for some prompt (see same_output): this is a bug")
        }
    }
}
