/// The SVG plots of `tandem bench assist`, drawn with `SVGLineChart`.
public enum AssistPlots {
    /// Acceptance against the fixed window (summed over every RTT): overall and at the first position,
    /// and a published row beside them when given.
    public static func acceptance(_ result: AssistResult, published: PublishedAcceptance? = nil) -> SVGLineChart {
        var overall: [(x: Double, y: Double)] = []
        var first: [(x: Double, y: Double)] = []
        var windows: [Double] = []
        for policy in result.policies {
            guard case .fixed(let k) = policy, let a = result.aggregate(policy) else { continue }
            let row = AssistRow(
                policy: policy, rttMs: 0, counters: a.counters, promptTokens: a.promptTokens, profile: nil)
            overall.append((Double(k), row.acceptanceRate))
            first.append((Double(k), row.perPositionAcceptance.first ?? 0))
            windows.append(Double(k))
        }
        var chart = SVGLineChart(
            title: "Acceptance vs window", xLabel: "window k (drafts per round)",
            yLabel: "acceptance", logX: true, xTickValues: windows)
        chart.addSeries("acceptance rate", points: overall)
        chart.addSeries("first-position acceptance", points: first)
        if let published {
            chart.addSeries(
                published.source, points: published.byWindow.map { (Double($0.window), $0.acceptance) }, colourIndex: 6,
                dashed: true)
        }
        return chart
    }

    /// Tokens per second against RTT, one line per policy and cloud-only: measured, or modelled under
    /// the run's cloud profile. A policy and its proactive variant share a colour (the variant dashed);
    /// local-only, which does not depend on the RTT, is a labelled reference line (its mean), as are
    /// `references` (figures of other programs on the same machine, such as llama.cpp's).
    public static func tokensPerSecond(
        _ result: AssistResult, modelled: Bool, references: [SVGLineChart.ReferenceLine] = []
    ) -> SVGLineChart {
        let title =
            modelled
            ? "Tokens/s vs RTT — modelled (\(result.profile?.name ?? "profile"))"
            : "Tokens/s vs RTT — measured (this CPU)"
        var chart = SVGLineChart(
            title: title, xLabel: "round-trip time (ms)", yLabel: "tokens per second",
            xTickValues: result.rttsMs)
        var colours: [AssistPolicy: Int] = [.cloudOnly: 6]
        for policy in result.policies {
            let points = result.rttsMs.compactMap { rtt -> (x: Double, y: Double)? in
                guard let row = result.row(policy, rttMs: rtt) else { return nil }
                return (rtt, modelled ? (row.modelledTokensPerS ?? 0) : row.tokensPerS)
            }
            if policy == .localOnly {
                if !points.isEmpty {
                    chart.addReference(
                        "local-only (draft alone)", y: points.map(\.y).reduce(0, +) / Double(points.count))
                }
                continue
            }
            let base = policy.base
            // Palette entry 6 (black) is cloud-only's; the others take the next free entry.
            let colour = colours[base] ?? (colours.count - 1 >= 6 ? colours.count : colours.count - 1)
            colours[base] = colour
            chart.addSeries(label(policy), points: points, colourIndex: colour, dashed: policy.isProactive)
        }
        for reference in references { chart.addReference(reference.name, y: reference.y) }
        return chart
    }

    /// The legend's name of a policy.
    static func label(_ policy: AssistPolicy) -> String {
        if case .fixed(let k) = policy { return "window \(k)" }
        if case .proactive(.fixed(let k)) = policy { return "window \(k) proactive" }
        return policy.description
    }
}
