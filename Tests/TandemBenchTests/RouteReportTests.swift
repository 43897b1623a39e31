import Foundation
import Testing

@testable import TandemBench

@Suite("Routing benchmark measures and report")
struct RouteReportTests {
    @Test("token match counts equal positions; prefix match stops at the first difference")
    func matches() {
        let reference = [1, 2, 3, 4]
        #expect(RouteQuality.tokenMatch([1, 2, 3, 4], reference: reference) == 1)
        #expect(RouteQuality.tokenMatch([1, 9, 3, 9], reference: reference) == 0.5)
        #expect(RouteQuality.tokenMatch([1, 2], reference: reference) == 0.5)
        #expect(RouteQuality.prefixMatch([1, 9, 3, 4], reference: reference) == 0.25)
        #expect(RouteQuality.prefixMatch([7], reference: reference) == 0)
        #expect(RouteQuality.tokenMatch([], reference: []) == 1)
    }

    func point(_ score: String, _ threshold: Double, routed: Double, match: Double, agreement: Double)
        -> RouteReport.Point
    {
        RouteReport.Point(
            score: score, threshold: threshold, routedFraction: routed, cloudPassesPerToken: routed, bytesPerToken: 10,
            tokenMatch: match, prefixMatch: match, exactCompletions: 0, targetAgreement: agreement,
            targetPerplexity: 5, routeReplaced: 1, routeFallbacks: 0)
    }

    @Test("the report states the points' figures under its header, with no verdict")
    func report() {
        let baseline = RouteReport.Baseline(
            draftTokenMatch: 0.2, draftTargetAgreement: 0.6, draftExactCompletions: 0,
            draftPerplexity: 8, targetPerplexity: 4)
        let report = RouteReport(
            target: "t", draft: "d", prompts: 2, maxTokens: 8, span: 1, budget: 1, baseline: baseline,
            points: [
                point("margin", 0.1, routed: 0.08, match: 0.55, agreement: 0.75),
                point("margin", 0.3, routed: 0.3, match: 0.9, agreement: 0.95),
                point("entropy", 0.2, routed: 0.1, match: 0.5, agreement: 0.85),
            ],
            latency: [])
        let markdown = report.markdown(header: "# head\nReproduce: `tandem bench route --scores margin,entropy`")
        #expect(markdown.hasPrefix("# head\nReproduce: `tandem bench route --scores margin,entropy`"))
        #expect(markdown.contains("| margin"))
        #expect(markdown.contains("0.850"))
        #expect(markdown.contains("0.600"), "the draft alone's target agreement")
        // The best points within 10% routed, as figures: by position margin at 8%, teacher-forced entropy at 10%.
        #expect(markdown.contains("best token match (by position) is 0.550 (margin < 0.10, 8.0% routed) against 0.200"))
        #expect(
            markdown.contains(
                "best target agreement (teacher-forced) is 0.850 (entropy < 0.20, 10.0% routed) against 0.600"))
        #expect(!markdown.contains("PASS") && !markdown.contains("MISS"))
        let svg = report.svg()
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(svg.contains("margin: target agreement"))
    }

    @Test("the JSON holds the figures in snake_case and no verdict keys")
    func json() throws {
        let baseline = RouteReport.Baseline(
            draftTokenMatch: 0.2, draftTargetAgreement: 0.6, draftExactCompletions: 0,
            draftPerplexity: 8, targetPerplexity: 4)
        let report = RouteReport(
            target: "t", draft: "d", prompts: 1, maxTokens: 8, span: 1, budget: 1, baseline: baseline,
            points: [point("margin", 0.1, routed: 0.08, match: 0.55, agreement: 0.75)], latency: [])
        let text = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        for key in [
            "\"routed_fraction\"", "\"token_match\"", "\"target_agreement\"", "\"draft_token_match\"", "\"max_tokens\"",
        ] {
            #expect(text.contains(key), "missing \(key)")
        }
        #expect(!text.contains("target_check") && !text.contains("\"pass\""))
    }
}
