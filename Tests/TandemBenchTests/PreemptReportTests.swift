import Foundation
import Testing

@testable import TandemBench

/// The modelled latency of `tandem bench preempt` and its report.
@Suite struct PreemptReportTests {
    static let profile = PreemptProfile(
        name: "test", passBase: 0.020, passPerPosition: 0.001, draftPerToken: 0.010,
        exitFraction: 0.5)

    @Test func modelledLatencyPricesTheCounts() {
        // 10 rounds of 4 drafts, 30 tokens, RTT 25 ms: 10·25 + (10·20 + 1·50) + 40·10 = 900 ms.
        let plain = Self.profile.secondsPerToken(tokens: 30, rounds: 10, drafts: 40, hits: 0, rtt: 0.025)
        #expect(abs(plain - 0.9 / 30) < 1e-12)
        // A hit hides min(4·10, 0.5·(20 + 5)) = 12.5 ms of drafting.
        let preemptive = Self.profile.secondsPerToken(tokens: 30, rounds: 10, drafts: 40, hits: 6, rtt: 0.025)
        #expect(abs(preemptive - (0.9 - 6 * 0.0125) / 30) < 1e-12)
        // The saving is bounded by the window's drafting when that is shorter than the rest of the pass.
        let shortWindows = Self.profile.secondsPerToken(tokens: 20, rounds: 10, drafts: 10, hits: 10, rtt: 0)
        let without = Self.profile.secondsPerToken(tokens: 20, rounds: 10, drafts: 10, hits: 0, rtt: 0)
        #expect(abs((without - shortWindows) * 20 - 10 * 0.010) < 1e-12)
        #expect(Self.profile.secondsPerToken(tokens: 0, rounds: 0, drafts: 0, hits: 0, rtt: 0.1) == 0)
    }

    static func row(rtt: Double, preemptive: Bool, msPerToken: Double, modelled: Double, policy: String = "adaptive")
        -> String
    {
        """
        {"rtt_ms":\(rtt),"policy":"\(policy)","preemptive":\(preemptive),"prompts":2,"tokens":96,"rounds":40,"drafts":100,
         "acceptance_rate":0.6,"tokens_per_round":2.4,"ms_per_token":\(msPerToken),"decode_ms_per_token":\(msPerToken),
         "tokens_per_s":\(1000 / msPerToken),"preemptive_rounds":\(preemptive ? 30 : 0),"preemptive_hits":\(preemptive ? 20 : 0),
         "preemptive_hit_rate":\(preemptive ? 0.667 : 0),"saved_ms_per_round":0.5,"preemptive_wasted_drafts":12,
         "provisional_lead_ms":1.5,"modelled_ms_per_token":\(modelled),"same_output":true}
        """
    }

    static func results(_ rows: [String]) throws -> PreemptBenchmark.Results {
        let json = """
            {"rows":[\(rows.joined(separator: ","))],"profile":{"name":"test","pass_base_s":0.02,"pass_per_position_s":0.001,
             "draft_per_token_s":0.01,"exit_fraction":0.5},"exit_layer":2,"layers":4,"server_provisional_ms":1,"server_pass_ms":2}
            """
        return try JSONDecoder().decode(PreemptBenchmark.Results.self, from: Data(json.utf8))
    }

    @Test func theReportStatesReductionsAtEveryRTT() throws {
        // Measured: 20% lower at 25 ms, 5% at 100 ms; modelled: 12% and 11%; no verdict either way.
        let results = try Self.results([
            Self.row(rtt: 10, preemptive: false, msPerToken: 10, modelled: 10),
            Self.row(rtt: 10, preemptive: true, msPerToken: 10, modelled: 10),
            Self.row(rtt: 25, preemptive: false, msPerToken: 20, modelled: 50),
            Self.row(rtt: 25, preemptive: true, msPerToken: 16, modelled: 44),
            Self.row(rtt: 100, preemptive: false, msPerToken: 40, modelled: 100),
            Self.row(rtt: 100, preemptive: true, msPerToken: 38, modelled: 89),
        ])
        let pairs = PreemptReport.pairs(results.rows)
        #expect(pairs.count == 3)
        #expect(abs(pairs[1].measuredReduction - 0.2) < 1e-12)
        #expect(abs(pairs[2].measuredReduction - 0.05) < 1e-12)
        #expect(abs(pairs[2].modelledReduction - 0.11) < 1e-12)
        // The ceiling prices every speculative window as a hit: 30 hits instead of 20 save 10 more of
        // min(2.5·10, 0.5·(20 + 3.5)) = 11.75 ms over 96 tokens against the "off" row's 100 ms/token.
        let ceiling = pairs[2].modelledCeiling(results.profile)
        let seconds: Double = 40.0 * 100 + 40 * 20 + 140 + 100 * 10 - 30 * 11.75  // ms: RTT, passes, drafts, savings
        let expected = 1 - seconds / 96 / 100
        #expect(abs(ceiling - expected) < 1e-9)

        let markdown = PreemptReport.markdown(results, header: ["Run: now"])
        #expect(markdown.contains("- Run: now"))
        #expect(markdown.contains("| RTT ms | window"))
        #expect(markdown.contains("20.0%"))
        #expect(markdown.contains("its sources and assumptions are in CloudProfile.swift"))
        #expect(markdown.contains("Modelled Δ had every provisional guess been right (window adaptive)"))
        #expect(!markdown.contains("PASS") && !markdown.contains("MISS"))
    }

    @Test func theJSONUsesSnakeCaseKeys() throws {
        let results = try Self.results([Self.row(rtt: 25, preemptive: true, msPerToken: 16, modelled: 44)])
        let text = String(decoding: try JSONEncoder().encode(results), as: UTF8.self)
        for key in [
            "\"rtt_ms\"", "\"preemptive_hit_rate\"", "\"saved_ms_per_round\"", "\"preemptive_wasted_drafts\"",
            "\"provisional_lead_ms\"", "\"modelled_ms_per_token\"", "\"server_provisional_ms\"", "\"exit_fraction\"",
        ] {
            #expect(text.contains(key), "missing \(key)")
        }
        #expect(!text.contains("target") || !text.contains("\"pass\""), "no verdict keys")
    }
}
