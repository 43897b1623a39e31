import Foundation

/// What `tandem bench route` measured, as JSON (snake_case keys), a Markdown report and an SVG curve.
public struct RouteReport: Sendable, Codable {
    /// The draft alone and the target alone, greedy.
    public struct Baseline: Sendable, Codable {
        /// The draft's token match with the target's completions (the target alone has 1).
        public var draftTokenMatch: Double
        /// The share of the draft's tokens the target would have chosen itself at that point (target alone: 1).
        public var draftTargetAgreement: Double
        public var draftExactCompletions: Double
        /// The target's perplexity on the draft's completions, and on its own.
        public var draftPerplexity: Double
        public var targetPerplexity: Double

        enum CodingKeys: String, CodingKey {
            case draftTokenMatch = "draft_token_match"
            case draftTargetAgreement = "draft_target_agreement"
            case draftExactCompletions = "draft_exact_completions"
            case draftPerplexity = "draft_perplexity"
            case targetPerplexity = "target_perplexity"
        }
    }

    /// One score and threshold: quality and cloud cost.
    public struct Point: Sendable, Codable {
        public var score: String
        public var threshold: Double
        public var routedFraction: Double
        public var cloudPassesPerToken: Double
        public var bytesPerToken: Double
        /// Mean over prompts of the fraction of positions equal to the target's greedy completion.
        public var tokenMatch: Double
        /// Mean over prompts of the common prefix with the target's completion ÷ its length.
        public var prefixMatch: Double
        /// Fraction of completions identical to the target's.
        public var exactCompletions: Double
        /// Share of the completions' tokens equal to the target's argmax given the text before them
        /// (teacher-forced: a divergence does not count against every later position).
        public var targetAgreement: Double
        /// The target's perplexity on the completions (teacher-forced, completion tokens only).
        public var targetPerplexity: Double
        public var routeReplaced: Int
        public var routeFallbacks: Int

        enum CodingKeys: String, CodingKey {
            case score, threshold
            case routedFraction = "routed_fraction"
            case cloudPassesPerToken = "cloud_passes_per_token"
            case bytesPerToken = "bytes_per_token"
            case tokenMatch = "token_match"
            case prefixMatch = "prefix_match"
            case exactCompletions = "exact_completions"
            case targetAgreement = "target_agreement"
            case targetPerplexity = "target_perplexity"
            case routeReplaced = "route_replaced"
            case routeFallbacks = "route_fallbacks"
        }
    }

    /// One threshold at one RTT: speed.
    public struct LatencyPoint: Sendable, Codable {
        public var score: String
        public var threshold: Double
        public var rttMs: Int
        public var routedFraction: Double
        public var tokensPerS: Double
        public var ttftMs: Double
        public var routeFallbacks: Int

        enum CodingKeys: String, CodingKey {
            case score, threshold
            case rttMs = "rtt_ms"
            case routedFraction = "routed_fraction"
            case tokensPerS = "tokens_per_s"
            case ttftMs = "ttft_ms"
            case routeFallbacks = "route_fallbacks"
        }
    }

    public var target: String
    public var draft: String
    public var prompts: Int
    public var maxTokens: Int
    public var span: Int
    public var budget: Double
    public var baseline: Baseline
    public var points: [Point]
    public var latency: [LatencyPoint]

    enum CodingKeys: String, CodingKey {
        case target, draft, prompts, span, budget, baseline, points, latency
        case maxTokens = "max_tokens"
    }

    public init(
        target: String, draft: String, prompts: Int, maxTokens: Int, span: Int, budget: Double,
        baseline: Baseline, points: [Point], latency: [LatencyPoint]
    ) {
        self.target = target
        self.draft = draft
        self.prompts = prompts
        self.maxTokens = maxTokens
        self.span = span
        self.budget = budget
        self.baseline = baseline
        self.points = points
        self.latency = latency
    }

    /// The best agreement among the points that route at most `maxRouted` of the tokens, by position
    /// (token match) and teacher-forced (target agreement), beside the draft alone's: figures, no verdict.
    public func summary(maxRouted: Double = 0.10) -> String {
        let within = points.filter { $0.routedFraction <= maxRouted + 1e-12 }
        func best(_ name: String, _ value: (Point) -> Double, draft: Double) -> String {
            let point = within.max { value($0) < value($1) }
            let at = point.map {
                " (\($0.score) < \(NumberFormat.fixed($0.threshold, digits: 2)), "
                    + "\(NumberFormat.percent($0.routedFraction)) routed)"
            }
            return "\(name) \(point.map { NumberFormat.fixed(value($0), digits: 3) } ?? "–")\(at ?? "") "
                + "against \(NumberFormat.fixed(draft, digits: 3)) for the draft alone and 1.000 for the target alone"
        }
        return "At ≤ \(NumberFormat.percent(maxRouted, digits: 0)) of tokens routed the best "
            + best("token match (by position) is", { $0.tokenMatch }, draft: baseline.draftTokenMatch) + "; the best "
            + best("target agreement (teacher-forced) is", { $0.targetAgreement }, draft: baseline.draftTargetAgreement)
            + "."
    }

    /// The Markdown report; `header` goes first (what ran, where, when).
    public func markdown(header: String) -> String {
        var quality = MarkdownTable(
            headers: [
                "score", "threshold", "routed", "cloud passes/tok", "bytes/tok", "token match", "prefix match",
                "exact completions", "target agreement", "target ppl", "replaced", "fallbacks",
            ],
            alignments: [.left] + Array(repeating: .right, count: 11))
        quality.addRow([
            "draft alone", "", "0", "0", "0", NumberFormat.fixed(baseline.draftTokenMatch, digits: 3), "",
            NumberFormat.fixed(baseline.draftExactCompletions, digits: 2),
            NumberFormat.fixed(baseline.draftTargetAgreement, digits: 3),
            NumberFormat.fixed(baseline.draftPerplexity, digits: 2), "", "",
        ])
        quality.addRow([
            "target alone", "", "", "1", "", "1.000", "1.000", "1.00", "1.000",
            NumberFormat.fixed(baseline.targetPerplexity, digits: 2), "", "",
        ])
        for p in points {
            quality.addRow([
                p.score, NumberFormat.fixed(p.threshold, digits: 2), NumberFormat.fixed(p.routedFraction, digits: 3),
                NumberFormat.fixed(p.cloudPassesPerToken, digits: 3), NumberFormat.fixed(p.bytesPerToken, digits: 1),
                NumberFormat.fixed(p.tokenMatch, digits: 3), NumberFormat.fixed(p.prefixMatch, digits: 3),
                NumberFormat.fixed(p.exactCompletions, digits: 2), NumberFormat.fixed(p.targetAgreement, digits: 3),
                NumberFormat.fixed(p.targetPerplexity, digits: 2),
                "\(p.routeReplaced)", "\(p.routeFallbacks)",
            ])
        }
        let rtts = Array(Set(latency.map(\.rttMs))).sorted()
        var speed = MarkdownTable(
            headers: ["score", "threshold", "routed"] + rtts.flatMap { ["tok/s @ \($0) ms", "ttft ms @ \($0) ms"] },
            alignments: [.left] + Array(repeating: .right, count: 2 + 2 * rtts.count))
        for threshold in Array(Set(latency.map(\.threshold))).sorted() {
            let row = latency.filter { $0.threshold == threshold }
            guard let first = row.first else { continue }
            var cells = [
                first.score, NumberFormat.fixed(threshold, digits: 2),
                NumberFormat.fixed(first.routedFraction, digits: 3),
            ]
            for rtt in rtts {
                if let p = row.first(where: { $0.rttMs == rtt }) {
                    cells += [NumberFormat.fixed(p.tokensPerS, digits: 1), NumberFormat.fixed(p.ttftMs, digits: 1)]
                } else {
                    cells += ["", ""]
                }
            }
            speed.addRow(cells)
        }
        return """
            \(header)

            \(summary())

            ## Quality and cloud cost (first RTT)

            \(quality.render())
            Token match: the fraction of positions whose token equals the target's own greedy completion at that \
            position (mean over prompts): one unrouted divergence early shifts everything after it, so it \
            is a strict measure. Prefix match: the common prefix's share. Target agreement: the share of \
            generated tokens that the target, reading the same text, would itself have chosen there \
            (teacher-forced, pooled). Target ppl: the target's perplexity on the completions, teacher-forced, \
            completion tokens only.

            ## Speed over the link emulator

            \(speed.render())
            """
    }

    /// Agreement against routed share, one line per score and measure.
    public func svg() -> String {
        var chart = SVGLineChart(
            title: "Token-level routing: \(draft) → \(target)", xLabel: "share of tokens routed to the cloud",
            yLabel: "agreement with the target")
        let scores = points.map(\.score).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for score in scores {
            let series = points.filter { $0.score == score }.sorted { $0.routedFraction < $1.routedFraction }
            chart.addSeries(
                "\(score): target agreement", points: series.map { (x: $0.routedFraction, y: $0.targetAgreement) })
        }
        for score in scores {
            let series = points.filter { $0.score == score }.sorted { $0.routedFraction < $1.routedFraction }
            chart.addSeries("\(score): token match", points: series.map { (x: $0.routedFraction, y: $0.tokenMatch) })
        }
        return chart.render()
    }
}
