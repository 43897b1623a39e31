import Foundation
import TandemDecoding
import Testing

@testable import TandemBench

/// Counters of `rounds` rounds of `window` drafts with `accepted` kept per round, over `wall` seconds.
private func counters(rounds: Int, window: Int, accepted: Int, wall: Double) -> GenerationCounters {
    var c = GenerationCounters()
    for _ in 0..<rounds { c.recordRound(proposed: window, accepted: accepted, positions: window + 1) }
    c.generations = 1
    c.generatedTokens = rounds * (accepted + 1)
    c.wallSeconds = wall
    return c
}

/// Cloud-only, local-only (fast: far above the rest), window 1 and 4 with their proactive variants,
/// and adaptive, at RTT 0 and 50.
private func result() -> AssistResult {
    var cells: [AssistCell] = []
    for rtt in [0.0, 50] {
        let slow = rtt > 0 ? 2.0 : 1.0
        cells.append(
            AssistCell(
                policy: .cloudOnly, rttMs: rtt, counters: counters(rounds: 40, window: 0, accepted: 0, wall: 4),
                promptTokens: 3, outputs: [[1]]))
        cells.append(
            AssistCell(
                policy: .localOnly, rttMs: rtt, counters: counters(rounds: 100, window: 0, accepted: 0, wall: 1),
                promptTokens: 3, outputs: [[1]]))
        for (policy, window, accepted) in [
            (AssistPolicy.fixed(1), 1, 1), (.fixed(4), 4, 2), (.adaptive, 2, 1),
            (.proactive(.fixed(1)), 1, 1), (.proactive(.fixed(4)), 4, 2),
        ] {
            cells.append(
                AssistCell(
                    policy: policy, rttMs: rtt,
                    counters: counters(rounds: 10, window: window, accepted: accepted, wall: 2 * slow),
                    promptTokens: 3, outputs: [[1]]))
        }
    }
    return AssistResult(cells: cells, profile: nil, greedy: true, wallSeconds: 10)
}

/// The text with runs of spaces squeezed to one, so padded Markdown tables compare by content.
private func squeezed(_ text: String) -> String {
    text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
}

private let llamaJSON = """
    {"tool": "llama.cpp", "threads": 2, "target_only": {"method": "llama-bench", "tokens_per_s": 29.79},
     "speculative": [], "best": {"n_max": 4, "p_min": 0.9, "tokens": 203, "seconds": 12.178,
     "tokens_per_s": 16.67, "drafted": 115, "accepted": 115, "acceptance": 1.0}}
    """

@Suite("bench assist: published row, llama.cpp and reference lines")
struct AssistReferencesTests {
    @Test("a reference line near the data is drawn in place and sets the axis; a far one is labelled off scale")
    func referenceLines() {
        var chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y")
        chart.addSeries("a", points: [(0, 8), (50, 6)])
        chart.addReference("near", y: 10)
        chart.addReference("far", y: 100)
        let svg = chart.render()
        #expect(svg.contains("<line data-reference=\"near\""))
        #expect(!svg.contains("<line data-reference=\"far\""))
        #expect(svg.contains("↑ far: 100 (off scale)"))
        // The axis reaches the near line (10) but not the far one.
        let frame = ChartFrame(chart: chart)
        #expect(frame.yRange.contains(10))
        #expect(!frame.yRange.contains(100))
    }

    @Test("series may share a colour and differ by dashes")
    func sharedColourDashed() {
        var chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y")
        chart.addSeries("base", points: [(0, 1)], colourIndex: 5)
        chart.addSeries("variant", points: [(0, 2)], colourIndex: 5, dashed: true)
        chart.addSeries("other", points: [(0, 3)])
        #expect(chart.colour(of: 0) == chart.colour(of: 1))
        #expect(chart.colour(of: 2) != chart.colour(of: 0))
        let polylines = chart.render().split(separator: "\n").filter { $0.hasPrefix("<polyline") }
        #expect(polylines.count == 3)
        #expect(!polylines[0].contains("stroke-dasharray"))
        #expect(polylines[1].contains("stroke-dasharray"))
    }

    @Test("fourteen series get fourteen colours")
    func fourteenColours() {
        var chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y")
        for index in 0..<14 { chart.addSeries("s\(index)", points: [(0, Double(index))]) }
        #expect(Set((0..<14).map { chart.colour(of: $0) }).count == 14)
    }

    @Test("tokens/s plot: a policy and its proactive variant share a colour, local-only is a reference line")
    func tokensPerSecondPlot() {
        let llama = try? JSONDecoder().decode(LlamaCppSpeculativeSummary.self, from: Data(llamaJSON.utf8))
        let chart = AssistPlots.tokensPerSecond(result(), modelled: false, references: llama?.referenceLines ?? [])
        let names = chart.series.map(\.name)
        #expect(!names.contains("local-only"))
        #expect(chart.references.map(\.name).contains("local-only (draft alone)"))
        #expect(chart.references.count == 3)
        let index = { (name: String) in names.firstIndex(of: name) ?? -1 }
        #expect(chart.colour(of: index("window 1")) == chart.colour(of: index("window 1 proactive")))
        #expect(chart.colour(of: index("window 1")) != chart.colour(of: index("window 4")))
        #expect(chart.series[index("window 4 proactive")].dashed)
        #expect(chart.colour(of: index("cloud-only")) == "#000000")
        let colours = Set(chart.series.filter { !$0.dashed }.indices.map { chart.colour(of: $0) })
        #expect(colours.count == chart.series.filter { !$0.dashed }.count)
    }

    @Test("the published row sits beside this run's acceptance and accepted tokens per window")
    func publishedSection() {
        let run = result()
        let grid = AssistGrid(rttsMs: [0, 50], windows: [1, 4], prompts: ["p"], maxTokens: 8)
        var report = AssistReport(
            result: run, grid: grid,
            context: .init(
                command: "tandem bench assist", date: "d", machine: "m", draft: "a", target: "b", sampling: "greedy",
                serverThreads: 1, plots: []))
        #expect(report.referencesSection().isEmpty)
        report.published = .clientAssistedQwen25
        let text = squeezed(report.referencesSection())
        #expect(text.contains("| window 1 | 100.0 % | 59.1 % |"))  // every window-1 draft accepted here
        #expect(text.contains("| window 4 | 50.0 % | 29.8 % | 2.00 | 1.19 |"))
        #expect(text.contains("| window 2 | – | 45.4 % |"))  // not run here
        #expect(text.contains("| adaptive | 50.0 % | 52.7 % | 1.00 | 0.87 |"))
        #expect(report.render().contains("## Beside the published row"))
    }

    @Test("the llama.cpp section divides by its best speculative run")
    func llamaCppSection() throws {
        let llama = try JSONDecoder().decode(LlamaCppSpeculativeSummary.self, from: Data(llamaJSON.utf8))
        #expect(llama.best.tokensPerS == 16.67)
        #expect(llama.targetOnly.tokensPerS == 29.79)
        var report = AssistReport(
            result: result(), grid: AssistGrid(rttsMs: [0, 50], windows: [1, 4], prompts: ["p"], maxTokens: 8),
            context: .init(
                command: "c", date: "d", machine: "m", draft: "a", target: "b", sampling: "greedy", serverThreads: 1,
                plots: []))
        report.llamaCpp = llama
        let text = squeezed(report.referencesSection())
        #expect(text.contains("| llama.cpp target alone (2 threads) | 29.8 | 1.79× |"))
        // Best assisted cell: window 4 (or its proactive variant) at RTT 0, 30 tokens in 2 s.
        #expect(text.contains("RTT 0 ms) | 15.0 | 0.90× |"))
    }

    @Test("a file that is not llama.cpp's summary is a typed error naming the option")
    func badSummaryFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-llama-\(UUID()).json").path
        try Data("{\"rows\": []}".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: AssistBenchError.self) { try LlamaCppSpeculativeSummary.load(path: path) }
        #expect(throws: AssistBenchError.self) { try LlamaCppSpeculativeSummary.load(path: path + ".missing") }
    }
}
