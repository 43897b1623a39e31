/// The Markdown table and SVG chart of `tandem bench exit-layers`.
public enum ExitLayerReport {
    /// The hit rate by exit layer, with the share of the pass left after each exit.
    public static func markdown(_ results: ExitLayerBenchmark.Results, header: [String]) -> String {
        let t = results.tally
        var table = MarkdownTable(
            headers: [
                "exit layer", "pass left after the exit", "provisional hit rate", "accepted length right",
                "row argmax = final",
            ],
            alignments: [.right, .right, .right, .right, .right])
        for l in t.layers {
            let trained = l.layer == results.trainedHeadLayer ? " (trained head)" : ""
            table.addRow([
                "\(l.layer)\(trained)",
                NumberFormat.percent(1 - Double(l.layer) / Double(results.layerCount), digits: 0),
                ratio(l.hits, t.windows), ratio(l.acceptedMatches, t.windows), ratio(l.rowMatches, t.rows),
            ])
        }
        let acceptance = t.drafts > 0 ? NumberFormat.percent(Double(t.accepted) / Double(t.drafts)) : "n/a"
        return """
            \(header.map { "- " + $0 }.joined(separator: "\n"))
            - \(t.windows) verification windows (\(t.rows) rows, \(t.drafts) drafts, final acceptance \(acceptance)) \
            over \(results.prompts) prompts, \(results.tokens) tokens, window \(results.window).

            \(table.render())

            *provisional hit rate*: windows whose early-exit verdict (accepted length and next token, greedy) \
            equals the final verdict — what preemptive drafting needs to keep its pre-drafted window. \
            *accepted length right*: the length matches (the next token may not). *row argmax = final*: \
            positions whose exit argmax is the final argmax. *pass left after the exit*: 1 − L/\(results.layerCount), \
            the part of the pass (head excluded) a hit can overlap with drafting.
            """
    }

    /// Hit rate, accepted-length and row agreement against the exit layer.
    public static func svg(_ results: ExitLayerBenchmark.Results, title: String) -> String {
        let t = results.tally
        var chart = SVGLineChart(
            title: title, xLabel: "exit layer (of \(results.layerCount))", yLabel: "share of windows / rows")
        let w = Double(max(1, t.windows))
        let r = Double(max(1, t.rows))
        chart.addSeries("provisional hit rate", points: t.layers.map { (x: Double($0.layer), y: Double($0.hits) / w) })
        chart.addSeries(
            "accepted length right", points: t.layers.map { (x: Double($0.layer), y: Double($0.acceptedMatches) / w) },
            dashed: true)
        chart.addSeries(
            "row argmax = final", points: t.layers.map { (x: Double($0.layer), y: Double($0.rowMatches) / r) },
            dashed: true)
        return chart.render()
    }

    private static func ratio(_ n: Int, _ d: Int) -> String {
        d > 0 ? NumberFormat.percent(Double(n) / Double(d)) : "n/a"
    }
}
