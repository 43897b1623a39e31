import ArgumentParser
import Foundation
import TandemDecoding

/// `tandem generate`'s sampling and stopping options (`@OptionGroup var sampling: SamplingOptions`).
struct SamplingOptions: ParsableArguments {
    @Option(name: .long, help: "Maximum number of tokens to generate.")
    var maxTokens: Int = 32

    @Option(name: .long, help: "Sampling temperature; 0 means greedy (argmax, ties to the lowest id).")
    var temperature: Float = 0

    @Option(name: .long, help: "Keep only the K most likely tokens (0: off).")
    var topK: Int = 0

    @Option(name: .long, help: "Nucleus sampling: keep the most likely tokens up to probability P (1: off).")
    var topP: Float = 1

    @Option(name: .long, help: "Drop tokens below P × the top token's probability (0: off).")
    var minP: Float = 0

    @Option(name: .long, help: "Repetition penalty over the last --repeat-last-n tokens (1: off).")
    var repeatPenalty: Float = 1

    @Option(name: .long, help: "How many recent tokens the repetition penalty considers.")
    var repeatLastN: Int = 64

    @Option(name: .long, help: "Seed of the sampler's random numbers.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Keep generating past the end-of-sequence token.")
    var ignoreEos = false

    /// The sampling parameters, checked.
    func parameters() throws -> SamplingParameters {
        guard maxTokens >= 0 else { throw CommandLineError("--max-tokens must be ≥ 0") }
        let parameters = SamplingParameters(
            temperature: temperature, topK: topK, topP: topP, minP: minP,
            repeatPenalty: repeatPenalty, repeatLastN: repeatLastN, seed: seed)
        try parameters.validate()
        return parameters
    }
}

/// Where the target runs when it is not local: one verifier server, a list of them, or a coordinator.
struct LinkOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Assisted mode: the draft model (GGUF file or installed model name) that proposes tokens; needs --server.",
            valueName: "file|name"), transform: modelFileArgument)
    var draft: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Assisted mode: the verifier server, ws://HOST:PORT (see tandem serve).", valueName: "url"))
    var server: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Assisted mode with failover: the coordinator to ask for verifiers.", valueName: "http://HOST:PORT"))
    var coordinator: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Assisted mode: use only verifiers whose model file has this SHA-256.", valueName: "hex"))
    var requireSha256: String?

    @Option(name: .long, help: "Failover mode: local tokens between attempts to reach a verifier again.")
    var retryEvery = 8

    /// `--server`'s comma-separated addresses.
    var servers: [String] {
        (server ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// True when the target is remote (any of --draft, --server, --coordinator, --require-sha256).
    var isRemote: Bool { draft != nil || server != nil || coordinator != nil || requireSha256 != nil }

    /// True when the run fails over between verifiers: a coordinator, a list of servers or a required hash.
    var isResilient: Bool { coordinator != nil || requireSha256 != nil || servers.count > 1 }
}

/// `--mode`: what the server does for the draft. The option itself stays a string, parsed in
/// `GenerateCommand.plan()`, so that a bad value exits with status 1 and the message scripts and
/// tests have always seen (the argument parser's own refusal exits 64).
enum GenerateMode: String, CaseIterable {
    /// The draft proposes windows, the server verifies them.
    case assist
    /// The draft generates; the server answers its low-confidence positions.
    case route
}

/// Assisted decoding's window and drafting options.
struct AssistOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Assisted mode: drafts per round: a number, doubling or adaptive.", valueName: "N|doubling|adaptive"))
    var window = "adaptive"

    @Flag(
        name: .long,
        help: "Assisted mode: draft the next window on the server's early-exit guess (provisional verdict).")
    var preemptive = false

    @Flag(
        name: .long,
        help: "Assisted mode: draft the next window while the current one is being verified (assuming it is accepted).")
    var proactive = false

    /// The flag that needs plain assist mode, if one is set.
    var speculativeFlag: String? { preemptive ? "--preemptive" : proactive ? "--proactive" : nil }
}

/// Routing mode's options.
struct RouteOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Route mode: route a position when the draft's confidence is below this (0: never, 1: always).",
            valueName: "x"))
    var threshold: Double = 0.4

    @Option(
        name: .long,
        help: ArgumentHelp("Route mode: the confidence score: top-prob, margin or entropy.", valueName: "score"))
    var score = "top-prob"

    @Option(
        name: .long, help: ArgumentHelp("Route mode: tokens the server answers per routed position.", valueName: "N"))
    var routeSpan = 1

    @Option(
        name: .long,
        help: ArgumentHelp("Route mode: most routed share of the generated tokens, in [0, 1].", valueName: "fraction"))
    var routeBudget: Double = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Route mode: how long to wait for the server's answer before keeping the draft's token.", valueName: "ms"))
    var routeTimeoutMs = 2000

    /// The routed generator's configuration, checked.
    func configuration() throws -> RoutedGenerator.Configuration {
        let configuration = try RouteOption.configuration(
            threshold: threshold, score: score, span: routeSpan, budget: routeBudget, timeoutMs: routeTimeoutMs)
        try configuration.validate()
        return configuration
    }
}

/// `--json`: one JSON document at the end instead of streamed text and a stats block.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object at the end instead of streaming.")
    var json = false
}
