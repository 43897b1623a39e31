import TandemDecoding

/// The modelled latency of a benchmark cell: its MEASURED counts priced with a `CloudProfile` and
/// the emulated round-trip time, instead of this machine's times.
///
/// - assisted: prefill + Σ over rounds (k·draft + RTT + pass over k + 1 positions)
/// - cloud-only: prefill + one RTT + one single-position pass per token
/// - local-only: one draft step per token, no network
///
/// The `open` travels with the first request in both server modes (one RTT for cloud-only in all,
/// one per round for assisted); the client's own prefill of the draft is not counted.
public enum AssistCostModel {
    /// Modelled seconds of all the generations in `counters` (summed).
    public static func modelledSeconds(policy: AssistPolicy, counters c: GenerationCounters, promptTokens: Int,
                                       rttSeconds: Double, profile p: CloudProfile) -> Double {
        let prefill = Double(c.generations) * p.prefillBaseSeconds + Double(promptTokens) * p.prefillSecondsPerToken
        switch policy {
        case .localOnly:
            return Double(c.generatedTokens) * p.draftSecondsPerToken
        case .cloudOnly:
            return prefill + Double(c.generations) * rttSeconds + Double(c.rounds) * p.passBaseSeconds
                + Double(max(0, c.cloudPositions - c.rounds)) * p.passSecondsPerPosition
        case .fixed, .doubling, .adaptive:
            // Σ pass(k + 1) = rounds · base + Σ k · perPosition, and Σ k = positions − rounds.
            let extraPositions = Double(max(0, c.cloudPositions - c.rounds))
            return prefill + Double(c.rounds) * (rttSeconds + p.passBaseSeconds)
                + extraPositions * p.passSecondsPerPosition + Double(c.proposed) * p.draftSecondsPerToken
        }
    }
}
