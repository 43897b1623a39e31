import TandemDecoding

/// The modelled latency of a benchmark cell: its MEASURED counts priced with a `CloudProfile` and
/// the emulated round-trip time, instead of this machine's times.
///
/// - assisted: prefill + Σ over rounds (k·draft + RTT + pass over k + 1 positions)
/// - cloud-only: prefill + one RTT + one single-position pass per token
/// - local-only: one draft step per token, no network
/// - adaptive-preemptive: as assisted, less what each hit hides: min(k̄·draft, (1 − f)·pass(k̄ + 1)),
///   with f the early exit's place in the pass (the next window is drafted while the pass finishes)
///
/// The `open` travels with the first request in both server modes (one RTT for cloud-only in all,
/// one per round for assisted); the client's own prefill of the draft is not counted.
public enum AssistCostModel {
    /// Modelled seconds of all the generations in `counters` (summed).
    public static func modelledSeconds(
        policy: AssistPolicy, counters c: GenerationCounters, promptTokens: Int,
        rttSeconds: Double, profile p: CloudProfile, exitFraction: Double = 0.5
    ) -> Double {
        let prefill = Double(c.generations) * p.prefillBaseSeconds + Double(promptTokens) * p.prefillSecondsPerToken
        switch policy {
        case .localOnly:
            return Double(c.generatedTokens) * p.draftSecondsPerToken
        case .cloudOnly:
            return prefill + Double(c.generations) * rttSeconds + Double(c.rounds) * p.passBaseSeconds
                + Double(max(0, c.cloudPositions - c.rounds)) * p.passSecondsPerPosition
        case .fixed, .doubling, .adaptive, .adaptivePreemptive, .proactive:
            // Σ pass(k + 1) = rounds · base + Σ k · perPosition, and Σ k = positions − rounds.
            let extraPositions = Double(max(0, c.cloudPositions - c.rounds))
            let assisted =
                prefill + Double(c.rounds) * (rttSeconds + p.passBaseSeconds)
                + extraPositions * p.passSecondsPerPosition + Double(c.proposed) * p.draftSecondsPerToken
            guard policy.isPreemptive || policy.isProactive, c.rounds > 0 else { return assisted }
            let meanWindow = Double(c.proposed) / Double(c.rounds)
            let pass = p.passSeconds(positions: Int((meanWindow + 1).rounded()))
            if policy.isProactive {
                // Each hit's next window was drafted during the round trip and the pass.
                let saving = min(meanWindow * p.draftSecondsPerToken, rttSeconds + pass)
                return assisted - Double(c.proactiveHits) * saving
            }
            let saving = min(meanWindow * p.draftSecondsPerToken, (1 - min(max(exitFraction, 0), 1)) * pass)
            return assisted - Double(c.preemptiveHits) * saving
        }
    }
}
