/// The SVG plots of `tandem bench assist`, drawn with `SVGLineChart`.
public enum AssistPlots {
    /// Acceptance against the fixed window (summed over every RTT): overall and at the first position.
    public static func acceptance(_ result: AssistResult) -> SVGLineChart {
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
        return chart
    }

    /// Tokens per second against RTT, one line per policy and baseline: measured, or modelled under
    /// the run's cloud profile.
    public static func tokensPerSecond(_ result: AssistResult, modelled: Bool) -> SVGLineChart {
        let title =
            modelled
            ? "Tokens/s vs RTT — modelled (\(result.profile?.name ?? "profile"))"
            : "Tokens/s vs RTT — measured (this CPU)"
        var chart = SVGLineChart(
            title: title, xLabel: "round-trip time (ms)", yLabel: "tokens per second",
            xTickValues: result.rttsMs)
        for policy in result.policies {
            let points = result.rttsMs.compactMap { rtt -> (x: Double, y: Double)? in
                guard let row = result.row(policy, rttMs: rtt) else { return nil }
                return (rtt, modelled ? (row.modelledTokensPerS ?? 0) : row.tokensPerS)
            }
            chart.addSeries(label(policy), points: points)
        }
        return chart
    }

    /// The legend's name of a policy.
    static func label(_ policy: AssistPolicy) -> String {
        if case .fixed(let k) = policy { return "window \(k)" }
        if case .proactive(.fixed(let k)) = policy { return "window \(k) proactive" }
        return policy.description
    }
}
