import Foundation
import TandemDecoding
import Testing

@testable import TandemBench

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Counters of a hand-made cell: `rounds` rounds of `window` drafts, `accepted` kept per round.
private func counters(rounds: Int, window: Int, acceptedPerRound: Int, generations: Int = 1, cpu: Double = 0)
    -> GenerationCounters
{
    var c = GenerationCounters()
    for _ in 0..<rounds { c.recordRound(proposed: window, accepted: acceptedPerRound, positions: window + 1) }
    c.generations = generations
    c.generatedTokens = rounds * (acceptedPerRound + 1)
    c.wallSeconds = 2
    c.serverCPUSeconds = cpu
    c.firstTokenSeconds = 0.1
    c.firstTokenCount = generations
    c.wireBytes = 1000
    return c
}

private let profile = CloudProfile(
    name: "test", summary: "test", passBaseSeconds: 0.030, passSecondsPerPosition: 0.001,
    prefillBaseSeconds: 0.010, prefillSecondsPerToken: 0.0005, draftSecondsPerToken: 0.004)

/// A synthetic run: cloud-only, local-only, windows 1 and 4, doubling and adaptive at two RTTs.
private func syntheticResult(adaptiveAccepted: Int = 3) -> AssistResult {
    var cells: [AssistCell] = []
    for rtt in [0.0, 50] {
        cells.append(
            AssistCell(
                policy: .cloudOnly, rttMs: rtt,
                counters: counters(rounds: 40, window: 0, acceptedPerRound: 0, cpu: 0.4),
                promptTokens: 3, outputs: [[1, 2, 3]]))
        var local = GenerationCounters()
        local.generations = 1
        local.generatedTokens = 40
        local.wallSeconds = 1
        cells.append(
            AssistCell(policy: .localOnly, rttMs: rtt, counters: local, promptTokens: 3, outputs: [[1, 2, 4]]))
        cells.append(
            AssistCell(
                policy: .fixed(1), rttMs: rtt, counters: counters(rounds: 20, window: 1, acceptedPerRound: 1, cpu: 0.3),
                promptTokens: 3, outputs: [[1, 2, 3]]))
        cells.append(
            AssistCell(
                policy: .fixed(4), rttMs: rtt,
                counters: counters(rounds: 10, window: 4, acceptedPerRound: 3, cpu: 0.15),
                promptTokens: 3, outputs: [[1, 2, 3]]))
        cells.append(
            AssistCell(
                policy: .doubling, rttMs: rtt, counters: counters(rounds: 13, window: 2, acceptedPerRound: 2, cpu: 0.2),
                promptTokens: 3, outputs: [[1, 2, 3]]))
        cells.append(
            AssistCell(
                policy: .adaptive, rttMs: rtt,
                counters: counters(rounds: 10, window: 4, acceptedPerRound: adaptiveAccepted, cpu: 0.15),
                promptTokens: 3, outputs: [[1, 2, 3]]))
    }
    return AssistResult(cells: cells, profile: profile, greedy: true, wallSeconds: 12)
}

@Suite("bench assist: profile, rows, report, plots")
struct AssistBenchTests {
    @Test("a profile prices passes and prefill linearly")
    func profileMath() {
        #expect(abs(profile.passSeconds(positions: 1) - 0.030) < 1e-12)
        #expect(abs(profile.passSeconds(positions: 5) - 0.034) < 1e-12)
        #expect(abs(profile.passSeconds(positions: 0) - 0.030) < 1e-12, "a pass has at least one position")
        #expect(abs(profile.prefillSeconds(tokens: 20) - 0.020) < 1e-12)
        #expect(CloudProfile.named("A100-Jetson") == .a100Jetson)
        #expect(CloudProfile.named("none") == nil)
        #expect(CloudProfile.a100Jetson.passBaseSeconds > CloudProfile.a100Jetson.draftSecondsPerToken)
    }

    @Test("modelled seconds come from the measured counts: assisted pays an RTT per round, cloud-only one in all")
    func costModel() {
        let rtt = 0.05
        // 10 rounds of window 4 (positions 5 each), 3 of 4 kept: 40 tokens, 40 drafts.
        let assisted = counters(rounds: 10, window: 4, acceptedPerRound: 3)
        let expectedAssisted = (0.010 + 3 * 0.0005) + 10 * (rtt + 0.030) + 40 * 0.001 + 40 * 0.004
        let a = AssistCostModel.modelledSeconds(
            policy: .fixed(4), counters: assisted, promptTokens: 3, rttSeconds: rtt, profile: profile)
        #expect(abs(a - expectedAssisted) < 1e-12)

        let cloud = counters(rounds: 40, window: 0, acceptedPerRound: 0)
        let expectedCloud = (0.010 + 3 * 0.0005) + rtt + 40 * 0.030
        let c = AssistCostModel.modelledSeconds(
            policy: .cloudOnly, counters: cloud, promptTokens: 3, rttSeconds: rtt, profile: profile)
        #expect(abs(c - expectedCloud) < 1e-12)

        var local = GenerationCounters()
        local.generatedTokens = 40
        let l = AssistCostModel.modelledSeconds(
            policy: .localOnly, counters: local, promptTokens: 3, rttSeconds: rtt, profile: profile)
        #expect(abs(l - 40 * 0.004) < 1e-12)

        let row = AssistRow(policy: .fixed(4), rttMs: 50, counters: assisted, promptTokens: 3, profile: profile)
        #expect(abs((row.modelledLatencyMsPerToken ?? 0) - 1000 * expectedAssisted / 40) < 1e-9)
        #expect(abs((row.modelledTokensPerS ?? 0) - 40 / expectedAssisted) < 1e-9)
        #expect(
            AssistRow(policy: .fixed(4), rttMs: 50, counters: assisted, promptTokens: 3, profile: nil)
                .modelledLatencyMsPerToken == nil)
    }

    @Test("--preemptive adds the adaptive-preemptive column, whose modelled time subtracts what each hit hides")
    func preemptiveColumn() {
        let plain = AssistGrid(prompts: ["a"])
        #expect(!plain.policies.contains(.adaptivePreemptive))
        let grid = AssistGrid(prompts: ["a"], preemptive: true)
        #expect(grid.policies.last == .adaptivePreemptive)
        #expect(AssistPolicy.adaptivePreemptive.description == "adaptive-preemptive")
        #expect(AssistPolicy.adaptivePreemptive.windowPolicy(profile: nil) != nil)

        let rtt = 0.05
        var c = counters(rounds: 10, window: 4, acceptedPerRound: 3)
        c.preemptiveHits = 6
        let assisted = AssistCostModel.modelledSeconds(
            policy: .adaptive, counters: c, promptTokens: 3, rttSeconds: rtt, profile: profile)
        let preemptive = AssistCostModel.modelledSeconds(
            policy: .adaptivePreemptive, counters: c, promptTokens: 3,
            rttSeconds: rtt, profile: profile, exitFraction: 0.5)
        // Mean window 4: a hit hides min(4 drafts · 4 ms, half of a 5-position pass (30 + 4 · 1 ms)) = 16 ms.
        #expect(abs((assisted - preemptive) - 6 * min(4 * 0.004, 0.5 * (0.030 + 4 * 0.001))) < 1e-12)
        let late = AssistCostModel.modelledSeconds(
            policy: .adaptivePreemptive, counters: c, promptTokens: 3,
            rttSeconds: rtt, profile: profile, exitFraction: 0.9)
        #expect(late > preemptive, "a later exit leaves less of the pass to hide drafting behind")
    }

    @Test("rows encode with the issue's snake_case keys plus the documented extras")
    func rowKeys() throws {
        let row = AssistRow(
            policy: .adaptive, rttMs: 25, counters: counters(rounds: 10, window: 4, acceptedPerRound: 2, cpu: 0.3),
            promptTokens: 3, profile: profile)
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
        for key in [
            "policy", "rtt_ms", "acceptance_rate", "tokens_per_round", "tokens_per_s", "server_cpu_s_per_token",
            "bytes_per_token", "ttft_ms", "per_position_acceptance", "server_passes_per_token", "draft_ms",
            "network_ms", "verify_ms", "queue_ms", "modelled_latency_ms_per_token",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["policy"] as? String == "adaptive")
        #expect(abs((object["acceptance_rate"] as? Double ?? -1) - 0.5) < 1e-12)
        #expect(abs((object["tokens_per_round"] as? Double ?? -1) - 3) < 1e-12)
        #expect(abs((object["server_cpu_s_per_token"] as? Double ?? -1) - 0.01) < 1e-12)
        #expect(try JSONDecoder().decode(AssistRow.self, from: JSONEncoder().encode(row)) == row)
        let plain = try JSONSerialization.jsonObject(
            with: JSONEncoder().encode(
                AssistRow(
                    policy: .fixed(1), rttMs: 0, counters: counters(rounds: 2, window: 1, acceptedPerRound: 1),
                    promptTokens: 1, profile: nil)))
        #expect((plain as? [String: Any])?["modelled_latency_ms_per_token"] == nil, "absent without a profile")
        #expect(
            [AssistPolicy.fixed(8), .doubling, .adaptive, .cloudOnly, .localOnly].map(\.description)
                == ["8", "doubling", "adaptive", "cloud-only", "local-only"])
    }

    @Test("the grid parses lists and refuses bad values with the option's name")
    func grid() throws {
        #expect(try AssistGrid.parseRTTs("0, 25ms,100") == [0, 25, 100])
        #expect(try AssistGrid.parseWindows("1,2,4,8") == [1, 2, 4, 8])
        #expect(throws: AssistBenchError.self) { try AssistGrid.parseRTTs("0,fast") }
        #expect(throws: AssistBenchError.self) { try AssistGrid.parseWindows("0,2") }
        #expect(throws: AssistBenchError.self) { try AssistGrid(prompts: []).validate() }
        #expect(throws: AssistBenchError.self) { try AssistGrid(windows: [32], prompts: ["x"]).validate() }
        let grid = AssistGrid(rttsMs: [0, 10], windows: [1, 2], prompts: ["a"])
        #expect(grid.policies.map(\.description) == ["cloud-only", "local-only", "1", "2", "doubling", "adaptive"])
        #expect(grid.cells.count == 12)
    }

    @Test("the profiled adaptive policy sees the profile's draft and pass times, not the measured ones")
    func profiledPolicy() {
        let policy = ProfiledWindowPolicy(profile: profile)
        let measured = RoundStats(
            proposed: 4, accepted: 2, draftSeconds: 9, networkSeconds: 0.05, queueSeconds: 3, verifySeconds: 7)
        let seen = policy.profiled(measured)
        #expect(abs(seen.draftSeconds - 0.016) < 1e-12)
        #expect(abs(seen.verifySeconds - 0.034) < 1e-12)
        #expect(seen.networkSeconds == 0.05 && seen.queueSeconds == 0)
        #expect(seen.proposed == 4 && seen.accepted == 2)
        // With high acceptance and a long RTT the cost model goes wide; with an RTT of zero and a slow draft, narrow.
        var wide = ProfiledWindowPolicy(profile: profile)
        var window = wide.initialWindow
        for _ in 0..<30 {
            window = wide.nextWindow(after: RoundStats(proposed: window, accepted: window, networkSeconds: 0.1))
        }
        #expect(window == 8)
        let slowDraft = CloudProfile(
            name: "slow", summary: "", passBaseSeconds: 0.010, passSecondsPerPosition: 0.001,
            prefillBaseSeconds: 0, prefillSecondsPerToken: 0, draftSecondsPerToken: 0.050)
        var narrow = ProfiledWindowPolicy(profile: slowDraft)
        window = narrow.initialWindow
        for _ in 0..<30 {
            window = narrow.nextWindow(after: RoundStats(proposed: window, accepted: window / 2, networkSeconds: 0))
        }
        #expect(window == 1)
    }

    @Test("the report has the acceptance table, measured and modelled latency tables, checks and every row")
    func report() {
        let result = syntheticResult()
        let grid = AssistGrid(rttsMs: [0, 50], windows: [1, 4], prompts: ["p"], maxTokens: 40)
        let context = AssistReport.Context(
            command: "tandem bench assist --test", date: "2026-01-01T00:00:00Z", machine: "test cpu; 2 cores",
            draft: "d.gguf", target: "t.gguf", sampling: "greedy", serverThreads: 1,
            plots: ["a.svg", "b.svg", "c.svg"])
        let text = AssistReport(result: result, grid: grid, context: context).render()
        #expect(text.contains("`tandem bench assist --test`"))
        #expect(text.contains("noisy under load"))
        #expect(text.contains("| summed over every RTT   | window 1 | window 4 | doubling | adaptive |"))
        #expect(text.contains("| acceptance rate "))
        #expect(text.contains("Measured (this CPU)"))
        #expect(text.contains("Modelled (test)"))
        #expect(text.contains("![acceptance vs window](a.svg)"))
        #expect(text.contains("outputs: every assisted cell's tokens equal cloud-only's"))
        // Every row: a header, a delimiter and 12 cells.
        let rows = text.components(separatedBy: "## Every row")[1].split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(rows.count == 2 + 12)
        // Window 4's acceptance is 3 of 4 drafts.
        #expect(text.contains("0.750"))
    }

    @Test("the report states figures and the command that made them, never a verdict")
    func figuresNotVerdicts() {
        for adaptiveAccepted in [3, 4] {
            var result = syntheticResult(adaptiveAccepted: adaptiveAccepted)
            for profiled in [true, false] {
                if !profiled { result.profile = nil }
                let grid = AssistGrid(rttsMs: [0, 50], windows: [1, 4], prompts: ["p"], maxTokens: 40)
                let context = AssistReport.Context(
                    command: "tandem bench assist --rtt 0,50 --windows 1,4", date: "2026-01-01T00:00:00Z",
                    machine: "test cpu; 2 cores", draft: "d.gguf", target: "t.gguf", sampling: "greedy",
                    serverThreads: 1, plots: [])
                let text = AssistReport(result: result, grid: grid, context: context).render()
                #expect(text.contains("`tandem bench assist --rtt 0,50 --windows 1,4`"))
                #expect(!text.contains("PASS") && !text.contains("MISS"), "\(text)")
                // The figures a verdict was drawn from stay: window 4's acceptance and every row's CPU ms/token.
                #expect(text.contains("0.750"))
                #expect(text.contains("CPU ms/tok"))
            }
        }
    }

    @Test("a greedy output that differs from cloud-only's is reported")
    func mismatches() {
        var result = syntheticResult()
        #expect(result.mismatches.isEmpty, "local-only may differ; assisted may not")
        result.cells[2].outputs = [[1, 9, 3]]
        #expect(result.mismatches.count == 1)
        #expect(result.mismatches.first?.contains("prompt 1: differs from cloud-only at token 2") == true)
    }

    @Test("plots: well-formed SVG with a polyline per policy")
    func plots() throws {
        let result = syntheticResult()
        for (chart, lines) in [
            // Local-only does not depend on the RTT: a reference line, not a polyline.
            (AssistPlots.tokensPerSecond(result, modelled: false), 5),
            (AssistPlots.tokensPerSecond(result, modelled: true), 5),
            (AssistPlots.acceptance(result), 2),
        ] {
            let svg = chart.render()
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
            #expect(svg.components(separatedBy: "<polyline").count - 1 == lines)
        }
        let svg = AssistPlots.tokensPerSecond(result, modelled: false).render()
        for name in ["cloud-only", "window 1", "window 4", "doubling", "adaptive"] {
            #expect(svg.contains("data-series=\"\(name)\""), "no line for \(name)")
        }
        #expect(svg.contains("data-reference=\"local-only (draft alone)\""))
    }
}
