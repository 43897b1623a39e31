import Foundation
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemProxy
import TandemSecurity
import TandemTokenizer

/// `tandem generate --draft D --server ws://HOST:PORT --mode route`: the draft generates alone and
/// routes its low-confidence positions to the server; streams the final text, then a stats block
/// (stderr) or one JSON object (`--json`).
struct RoutedGenerate {
    var inputs: GenerateInputs
    var draftPath: String
    var server: String
    var configuration: RoutedGenerator.Configuration
    /// Trusted certificates, the required model hash, the verifier secret.
    var security = ClientSecurity()

    func run() async throws {
        let setup = try DraftSetup(draftPath: draftPath, inputs: inputs, mode: "routed")
        let result: GenerationResult
        let text: String
        if setup.chat != nil {
            // `--chat --prompt`: the library's chat path (`tandem proxy --mode route` serves the same).
            (result, text, _) = try await ClientRun.chatReply(
                setup, inputs: inputs, verification: .route(server, configuration), timeout: .seconds(10),
                security: security)
        } else {
            let client = RoutedClient(
                draft: setup.draft, draftName: setup.draftName,
                tokenizer: setup.tokenizer, server: server, configuration: configuration, security: security,
                apiKey: inputs.apiKey)
            (result, text) = try await ClientRun.consume(client.generate(setup.request), json: inputs.json)
        }
        if inputs.json {
            try JSONOutput.print(GenerationOutput(tokens: result.tokens, text: text, stats: result.stats))
        } else {
            ClientRun.finishText(block: Self.block(result.stats))
        }
    }

    /// The routing stats for people.
    static func block(_ s: GenerationStats) -> String {
        func f(_ v: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", v) }
        return """
            tokens              \(s.generatedTokens)
            routed              \(s.routedPositions) positions (\(f(100 * s.routedFraction, 1))% of tokens), \(s.routeReplaced) replaced by the cloud, \(s.routeFallbacks) fell back
            cloud passes/token  \(f(s.cloudPassesPerToken))
            bytes per token     \(f(s.bytesPerToken, 1))
            tokens per second   \(f(s.tokensPerS, 1))
            time (ms)           draft \(f(s.draftMs, 1)), network \(f(s.networkMs, 1)), queue \(f(s.queueMs, 1)), verify \(f(s.verifyMs, 1))

            """
    }
}

/// The routing options of `tandem generate` as a generator configuration.
enum RouteOption {
    /// Parses `--score`.
    static func score(_ text: String) throws -> ConfidenceScore {
        switch text.lowercased() {
        case "top-prob", "top-probability", "prob", "p1": return .topProbability
        case "margin": return .margin
        case "entropy": return .entropy
        default: throw CommandLineError("--score must be top-prob, margin or entropy, not '\(text)'")
        }
    }

    static func configuration(
        threshold: Double, score: String, span: Int, budget: Double,
        timeoutMs: Int
    ) throws -> RoutedGenerator.Configuration {
        guard threshold.isFinite, threshold >= 0, threshold <= 1 else {
            throw CommandLineError(
                "--threshold must be in [0, 1] (0 routes nothing, 1 routes every position), got \(threshold)")
        }
        guard budget.isFinite, budget >= 0, budget <= 1 else {
            throw CommandLineError("--route-budget must be in [0, 1] (the most routed share of tokens), got \(budget)")
        }
        guard span >= 1 else { throw CommandLineError("--route-span must be ≥ 1, got \(span)") }
        guard timeoutMs > 0, timeoutMs <= 3_600_000 else {
            throw CommandLineError("--route-timeout-ms must be in 1…3600000 (an hour), got \(timeoutMs)")
        }
        return RoutedGenerator.Configuration(
            policy: RoutingPolicy(score: try Self.score(score), threshold: threshold, budget: budget),
            span: span, routeTimeout: .milliseconds(timeoutMs), retryAfter: .milliseconds(timeoutMs))
    }
}
