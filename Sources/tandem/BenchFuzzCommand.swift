import ArgumentParser
import Foundation
import TandemBench
import TandemDecoding
import TandemModel
import TandemServer
import TandemTokenizer

/// `tandem bench fuzz`: hostile input against the wire codec, a live verifier, or the GGUF reader.
struct BenchFuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract:
            "Feed seeded hostile input to the wire codec, a live verifier, its OpenAI endpoints, or the GGUF reader; count crashes and hangs.",
        discussion: """
            Every input is deterministic: input INDEX of --seed S is always the same bytes, so a finding replays \
            with --seed S --start INDEX --inputs 1. Before each batch the run writes --progress FILE naming the \
            batch it is in: when a crash kills the process, that file says which inputs to replay.

            wire:   mutated and random frames of every message type through WireCodec.decode (bit flips, \
            truncations, splices, huge numbers, deep nesting, invalid UTF-8, wrong types, out-of-range ids, \
            giant arrays, missing/duplicate keys, wrong versions). Each must decode or be refused with a \
            WireError, and a decoded message must round-trip.
            server: a verifier with --target on 127.0.0.1:0; one connection sends hostile frames and wrong-order \
            sequences (round before open, replayed rounds, double open, huge windows) while a client with \
            --draft keeps generating greedily and must match the target's own greedy output. Reports RSS.
            openai: a verifier with --target-model on 127.0.0.1:0; requests built from the OpenAPI description \
            --spec (docs/openai-subset.json), mutated (wrong types, missing/extra/duplicate fields, huge and \
            boundary numbers, NaN strings, deep nesting, huge strings, invalid UTF-8, token ids out of range, \
            wrong content types, truncated and short bodies, random bytes, bad methods, paths and HTTP framing), \
            one connection each. Every answer must be an OpenAI error or a completion fitting the description \
            (5xx and no answer are failures); every --check-every inputs a greedy request must get its text \
            from before the run. Reports RSS.
            gguf:   a small valid GGUF mutated in header, metadata and tensor infos through GGUFFile: each must \
            parse or be refused with a GGUFError.

            Exits with status 1 when any input failed (a crash ends the process before that).

            Examples:
              tandem bench fuzz --target wire --inputs 100000 --seed 1
              tandem bench fuzz --target server --inputs 10000 --seed 1 --json
              tandem bench fuzz --target openai --inputs 10000 --seed 1 --json
              tandem bench fuzz --target gguf --inputs 100000 --seed 1 --progress /tmp/fuzz.progress
              tandem bench fuzz --target wire --seed 1 --start 4321 --inputs 1     # replay one input
            """
    )

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case wire, server, openai, gguf
    }

    @Option(help: "What to fuzz: wire, server, openai or gguf.")
    var target: Target = .wire

    @Option(help: "Number of inputs.")
    var inputs = 10_000

    @Option(help: "The seed of the inputs.")
    var seed: UInt64 = 1

    @Option(help: "First input index (to replay a finding).")
    var start = 0

    @Option(help: ArgumentHelp("Seconds one input may take before it counts as a hang.", valueName: "s"))
    var ceiling: Double?

    @Option(help: ArgumentHelp("File naming the batch being run (read it after a crash).", valueName: "file"))
    var progress: String?

    @Option(help: ArgumentHelp("openai: the OpenAPI description the requests are built from.", valueName: "file"))
    var spec = "docs/openai-subset.json"

    @Option(help: "openai: a well-behaved request every this many inputs.")
    var checkEvery = 25

    @Option(help: ArgumentHelp("server, openai: the target model.", valueName: "file"))
    var targetModel = "Models/target.gguf"

    @Option(help: ArgumentHelp("server: the well-behaved client's draft model.", valueName: "file"))
    var draft = "Models/draft.gguf"

    @Option(help: "server: compute threads of each model.")
    var threads = 1

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard inputs >= 0, start >= 0 else { throw ValidationError("--inputs and --start must be ≥ 0") }
        if let ceiling, !(ceiling > 0) { throw ValidationError("--ceiling must be > 0 seconds") }
        guard checkEvery >= 1 else { throw ValidationError("--check-every must be ≥ 1") }
    }

    func run() async throws {
        try await reportingErrors {
            let report = try await body()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(Self.text(report))
            }
            if report.failures > 0 || report.hangs > 0 { throw ExitCode(1) }
        }
    }

    private func body() async throws -> FuzzReport {
        let progress = FuzzProgress(path: progress)
        switch target {
        case .wire:
            return WireFuzzCampaign(
                seed: seed, start: start, inputs: inputs, ceilingSeconds: ceiling ?? 5, progress: progress
            ).run()
        case .gguf:
            return try GGUFFuzzCampaign(
                seed: seed, start: start, inputs: inputs, ceilingSeconds: ceiling ?? 1, progress: progress
            ).run()
        case .openai:
            return try await OpenAIFuzzCampaign(
                targetPath: targetModel, spec: try OpenAPISubset(path: spec), seed: seed, start: start,
                inputs: inputs, ceilingSeconds: ceiling ?? 10, checkEvery: checkEvery, progress: progress
            ).run()
        case .server:
            let target = try Model(path: targetModel, threads: threads)
            let draft = try Model(path: draft, threads: threads)
            let tokenizer = try Tokenizer(gguf: target.file)
            let id = String(targetModel.split(separator: "/").last ?? "target")
            let prompts = [
                "def fibonacci(n):", "Return the list of", "The module provides", "class Parser:",
            ]
            let requests = prompts.map { SessionRequest(prompt: tokenizer.encode($0), maxTokens: 24) }
            return try await ServerFuzzCampaign(
                target: TargetModel(model: target, id: id, tokenizer: tokenizer),
                makeDrafter: { ModelDrafter(session: draft.makeSession()) }, requests: requests,
                seed: seed, start: start, inputs: inputs, ceilingSeconds: ceiling ?? 10, progress: progress
            ).run()
        }
    }

    static func text(_ r: FuzzReport) -> String {
        var lines = [
            "fuzz \(r.target): seed \(r.seed), inputs \(r.start)..<\(r.start + r.inputs) (\(r.inputs))",
            "  accepted \(r.accepted), refused \(r.refused), failures \(r.failures), hangs (> \(r.ceilingSeconds) s) \(r.hangs)",
            "  slowest input \(r.slowestIndex) (\(r.slowestMutation)): \(String(format: "%.3f", r.slowestSeconds * 1000)) ms; total \(String(format: "%.1f", r.totalSeconds)) s",
            "  by mutation: "
                + r.byMutation.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
        ]
        if !r.extra.isEmpty {
            lines.append(
                "  "
                    + r.extra.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%g", $0.value))" }
                    .joined(separator: ", "))
        }
        for sample in r.failureSamples { lines.append("  FAILED \(sample)") }
        return lines.joined(separator: "\n")
    }
}
