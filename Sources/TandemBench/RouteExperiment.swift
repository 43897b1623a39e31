import Foundation
import Logging
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemServer
import TandemTokenizer

/// `tandem bench route`: token-level routing on a draft/target pair, swept over confidence thresholds.
///
/// Starts a verifier with the target in-process, and for each RTT a link emulator in front of it. For
/// every threshold it generates a completion of every prompt with the draft routing its uncertain
/// positions, and compares the completion with the target's own greedy completion (token match, exact
/// completions) and scores it with the target (teacher-forced perplexity). Quality is measured for every
/// score at the first RTT; speed for the first score at every RTT.
public struct RouteExperiment: Sendable {
    public struct Configuration: Sendable {
        public var targetPath: String
        public var draftPath: String
        public var prompts: [String]
        public var thresholds: [Double]
        /// The first is the one timed at every RTT.
        public var scores: [ConfidenceScore]
        public var rttsMs: [Int]
        public var maxTokens: Int
        public var span: Int
        public var budget: Double
        public var threads: Int

        public init(
            targetPath: String, draftPath: String, prompts: [String], thresholds: [Double], scores: [ConfidenceScore],
            rttsMs: [Int], maxTokens: Int, span: Int = 1, budget: Double = 1, threads: Int = 1
        ) {
            self.targetPath = targetPath
            self.draftPath = draftPath
            self.prompts = prompts
            self.thresholds = thresholds
            self.scores = scores
            self.rttsMs = rttsMs
            self.maxTokens = maxTokens
            self.span = span
            self.budget = budget
            self.threads = threads
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the sweep; `progress` gets a line per finished setting.
    public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> RouteReport {
        let c = configuration
        let target = try Model(path: c.targetPath, threads: c.threads)
        let draft = try Model(path: c.draftPath, threads: c.threads)
        let tokenizer = try Tokenizer(gguf: draft.file)
        let targetTokenizer = try Tokenizer(gguf: target.file)
        let prompts = c.prompts.map { tokenizer.encode($0, parseSpecial: true) }
        let requests = prompts.map { SessionRequest(prompt: $0, maxTokens: c.maxTokens) }

        // The references: each model alone, greedy, in-process.
        let targetAlone = try await Self.greedy(target, requests)
        let draftAlone = try await Self.greedy(draft, requests)
        let targetScored = try zip(prompts, targetAlone).map {
            try RouteQuality.teacherForced(model: target, prompt: $0, completion: $1)
        }
        let draftScored = try zip(prompts, draftAlone).map {
            try RouteQuality.teacherForced(model: target, prompt: $0, completion: $1)
        }
        let baseline = RouteReport.Baseline(
            draftTokenMatch: Self.mean(zip(draftAlone, targetAlone).map { RouteQuality.tokenMatch($0, reference: $1) }),
            draftTargetAgreement: Self.agreement(draftScored, draftAlone),
            draftExactCompletions: Self.mean(zip(draftAlone, targetAlone).map { $0 == $1 ? 1 : 0 }),
            draftPerplexity: Self.perplexity(draftScored, draftAlone),
            targetPerplexity: Self.perplexity(targetScored, targetAlone))
        progress(
            String(
                format:
                    "draft alone: token match %.3f, target agreement %.3f, target perplexity %.2f (target alone %.2f)",
                baseline.draftTokenMatch, baseline.draftTargetAgreement, baseline.draftPerplexity,
                baseline.targetPerplexity))

        var logger = Logger(label: "tandem.bench.route")
        logger.logLevel = .critical
        let server = try await VerifierServer(
            model: TargetModel(
                model: target, id: (c.targetPath as NSString).lastPathComponent,
                tokenizer: targetTokenizer),
            host: "127.0.0.1", port: 0, logger: logger
        ).start()
        var points: [RouteReport.Point] = []
        var latency: [RouteReport.LatencyPoint] = []
        do {
            for (r, rtt) in c.rttsMs.enumerated() {
                let profile = try LinkProfile(rtt: .milliseconds(rtt))
                let link = LinkEmulator(
                    listen: try LinkEndpoint(host: "127.0.0.1", port: 0),
                    to: try LinkEndpoint(host: "127.0.0.1", port: server.port), profile: profile)
                let linkPort = try await link.start()
                let url = "ws://127.0.0.1:\(linkPort)"
                for score in r == 0 ? c.scores : Array(c.scores.prefix(1)) {
                    for threshold in c.thresholds {
                        let configuration = RoutedGenerator.Configuration(
                            policy: RoutingPolicy(score: score, threshold: threshold, budget: c.budget), span: c.span,
                            routeTimeout: .seconds(10), retryAfter: .seconds(1))
                        let client = RoutedClient(
                            draft: draft, draftName: (c.draftPath as NSString).lastPathComponent,
                            tokenizer: tokenizer, server: url, configuration: configuration, timeout: .seconds(30))
                        var results: [GenerationResult] = []
                        for request in requests {
                            var final: GenerationResult?
                            for try await event in client.generate(request) {
                                if case .finished(let result, _) = event { final = result }
                            }
                            guard let final else { throw CancellationError() }
                            results.append(final)
                        }
                        let stats = GenerationStats.aggregate(results)
                        let completions = results.map(\.tokens)
                        if r == 0 {
                            let scored = try zip(prompts, completions).map {
                                try RouteQuality.teacherForced(model: target, prompt: $0, completion: $1)
                            }
                            points.append(
                                RouteReport.Point(
                                    score: score.rawValue, threshold: threshold, routedFraction: stats.routedFraction,
                                    cloudPassesPerToken: stats.cloudPassesPerToken, bytesPerToken: stats.bytesPerToken,
                                    tokenMatch: Self.mean(
                                        zip(completions, targetAlone).map { RouteQuality.tokenMatch($0, reference: $1) }
                                    ),
                                    prefixMatch: Self.mean(
                                        zip(completions, targetAlone).map {
                                            RouteQuality.prefixMatch($0, reference: $1)
                                        }),
                                    exactCompletions: Self.mean(zip(completions, targetAlone).map { $0 == $1 ? 1 : 0 }),
                                    targetAgreement: Self.agreement(scored, completions),
                                    targetPerplexity: Self.perplexity(scored, completions),
                                    routeReplaced: stats.routeReplaced, routeFallbacks: stats.routeFallbacks))
                        }
                        if score == c.scores.first {
                            latency.append(
                                RouteReport.LatencyPoint(
                                    score: score.rawValue, threshold: threshold, rttMs: rtt,
                                    routedFraction: stats.routedFraction, tokensPerS: stats.tokensPerS,
                                    ttftMs: stats.ttftMs, routeFallbacks: stats.routeFallbacks))
                        }
                        progress(
                            String(
                                format: "rtt %d ms, %@ < %.2f: routed %.3f, %.1f tok/s, fallbacks %d",
                                rtt, score.rawValue, threshold, stats.routedFraction, stats.tokensPerS,
                                stats.routeFallbacks))
                    }
                }
                await link.stop()
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        return RouteReport(
            target: (c.targetPath as NSString).lastPathComponent, draft: (c.draftPath as NSString).lastPathComponent,
            prompts: c.prompts.count, maxTokens: c.maxTokens, span: c.span, budget: c.budget,
            baseline: baseline, points: points, latency: latency)
    }

    private static func greedy(_ model: Model, _ requests: [SessionRequest]) async throws -> [[Int]] {
        let generator = TargetOnlyGenerator(verifier: InProcessVerifier(session: model.makeSession()))
        var out: [[Int]] = []
        for request in requests { out.append(try await generator.run(request).tokens) }
        return out
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    private static func perplexity(_ scored: [RouteQuality.TeacherForced], _ completions: [[Int]]) -> Double {
        let tokens = completions.reduce(0) { $0 + $1.count }
        return tokens > 0 ? Foundation.exp(scored.reduce(0) { $0 + $1.negativeLogLikelihood } / Double(tokens)) : 0
    }

    /// Tokens the target would have chosen itself ÷ all tokens, pooled over the completions.
    private static func agreement(_ scored: [RouteQuality.TeacherForced], _ completions: [[Int]]) -> Double {
        let tokens = completions.reduce(0) { $0 + $1.count }
        return tokens > 0 ? Double(scored.reduce(0) { $0 + $1.agreed }) / Double(tokens) : 0
    }
}
