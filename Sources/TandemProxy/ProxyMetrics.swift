import Synchronization
import TandemDecoding

/// The proxy's `/metrics`: the assisted stats of every completion it made, summed (Prometheus text).
final class ProxyMetrics: Sendable {
    private let totals = Mutex(GenerationCounters())
    private let requests = Mutex(0)

    func record(_ result: GenerationResult) {
        totals.withLock { $0 = $0.merged(with: result.counters) }
        requests.withLock { $0 += 1 }
    }

    /// Prometheus text exposition.
    func render() -> String {
        let c = totals.withLock { $0 }
        let s = GenerationStats(c)
        let n = requests.withLock { $0 }
        let lines: [(String, String, String, Double)] = [
            ("tandem_proxy_completions_total", "counter", "Completions finished.", Double(n)),
            ("tandem_proxy_generated_tokens_total", "counter", "Tokens generated.", Double(c.generatedTokens)),
            (
                "tandem_proxy_local_tokens_total", "counter", "Tokens the draft made alone (no verifier).",
                Double(c.localTokens)
            ),
            ("tandem_proxy_rounds_total", "counter", "Verification rounds.", Double(c.rounds)),
            ("tandem_proxy_drafts_proposed_total", "counter", "Draft tokens proposed.", Double(c.proposed)),
            ("tandem_proxy_drafts_accepted_total", "counter", "Draft tokens accepted.", Double(c.accepted)),
            ("tandem_proxy_cloud_passes_total", "counter", "Verifier forward passes.", Double(c.cloudPasses)),
            ("tandem_proxy_failovers_total", "counter", "Moves to another verifier.", Double(c.failovers)),
            (
                "tandem_proxy_acceptance_rate", "gauge", "Accepted / proposed drafts, all completions.",
                s.acceptanceRate
            ),
            (
                "tandem_proxy_tokens_per_round", "gauge", "Tokens per verification round, all completions.",
                s.tokensPerRound
            ),
            (
                "tandem_proxy_cloud_passes_per_token", "gauge", "Verifier passes per token, all completions.",
                s.cloudPassesPerToken
            ),
        ]
        return lines.map { name, type, help, value in
            "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }.joined()
    }
}
