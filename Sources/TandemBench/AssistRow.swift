import TandemDecoding

/// One cell of `tandem bench assist`: a policy at a round-trip time, over every prompt of the grid.
///
/// Encodes with snake_case keys (`--json`). The keys come first; the split times are
/// milliseconds per generated token. For the baselines, `acceptance_rate` is 0 (nothing is proposed),
/// cloud-only's `tokens_per_round` is 1 (one pass per token) and local-only's server figures are 0.
public struct AssistRow: Sendable, Equatable, Codable {
    /// "1", "2", "4", "8", "doubling", "adaptive", "cloud-only" or "local-only".
    public var policy: String
    /// Round-trip time the link emulator added.
    public var rttMs: Double
    /// Accepted drafts ÷ proposed drafts.
    public var acceptanceRate: Double
    /// Generated tokens ÷ server passes after the prompt (verification rounds; cloud-only: 1).
    public var tokensPerRound: Double
    /// Measured end-to-end: generated tokens ÷ wall seconds (connection, open and prefill included).
    public var tokensPerS: Double
    /// Server CPU seconds (every pass, the prompt's prefill at open included) per generated token.
    public var serverCPUSPerToken: Double
    /// WebSocket bytes both ways per generated token.
    public var bytesPerToken: Double
    /// Mean time to first token, measured.
    public var ttftMs: Double
    /// For window position i: how often a draft there was kept, given one was proposed there.
    public var perPositionAcceptance: [Double]
    /// Server forward passes per generated token (prefill not counted).
    public var serverPassesPerToken: Double
    /// Mean drafts proposed per round.
    public var meanWindow: Double
    /// Measured milliseconds per generated token drafting, on the wire (round trips minus server
    /// time), computing the server's passes, and waiting for the server's model.
    public var draftMs: Double
    public var networkMs: Double
    public var verifyMs: Double
    public var queueMs: Double
    /// Modelled milliseconds per generated token under the cloud profile (absent without one).
    public var modelledLatencyMsPerToken: Double?
    /// Modelled tokens per second under the cloud profile (absent without one).
    public var modelledTokensPerS: Double?
    public var generatedTokens: Int
    public var rounds: Int
    public var proposed: Int
    public var accepted: Int
    /// With preemptive drafting: rounds whose early guess the verdict confirmed ÷ guesses drafted on.
    public var preemptiveHitRate: Double?
    /// With proactive drafting: rounds whose speculative next window the verdict confirmed ÷ rounds
    /// that drafted one; drafts reused and thrown away; drafting time hidden behind the wait (ms per token).
    public var proactiveHitRate: Double?
    public var proactiveReusedDrafts: Int?
    public var proactiveWastedDrafts: Int?
    public var proactiveHiddenMsPerToken: Double?

    enum CodingKeys: String, CodingKey {
        case policy
        case rttMs = "rtt_ms"
        case acceptanceRate = "acceptance_rate"
        case tokensPerRound = "tokens_per_round"
        case tokensPerS = "tokens_per_s"
        case serverCPUSPerToken = "server_cpu_s_per_token"
        case bytesPerToken = "bytes_per_token"
        case ttftMs = "ttft_ms"
        case perPositionAcceptance = "per_position_acceptance"
        case serverPassesPerToken = "server_passes_per_token"
        case meanWindow = "mean_window"
        case draftMs = "draft_ms"
        case networkMs = "network_ms"
        case verifyMs = "verify_ms"
        case queueMs = "queue_ms"
        case modelledLatencyMsPerToken = "modelled_latency_ms_per_token"
        case modelledTokensPerS = "modelled_tokens_per_s"
        case generatedTokens = "generated_tokens"
        case rounds, proposed, accepted
        case preemptiveHitRate = "preemptive_hit_rate"
        case proactiveHitRate = "proactive_hit_rate"
        case proactiveReusedDrafts = "proactive_reused_drafts"
        case proactiveWastedDrafts = "proactive_wasted_drafts"
        case proactiveHiddenMsPerToken = "proactive_hidden_ms_per_token"
    }

    /// The row of a cell from its summed counters.
    /// - Parameters:
    ///   - promptTokens: the prompts' tokens summed over the cell's generations (for the modelled prefill).
    ///   - profile: the cloud profile for the modelled figures, if any.
    ///   - exitFraction: where the target's early exit sits in its pass (preemptive drafting's saving).
    public init(
        policy: AssistPolicy, rttMs: Double, counters c: GenerationCounters, promptTokens: Int,
        profile: CloudProfile?, exitFraction: Double = 0.5
    ) {
        let stats = GenerationStats(c)
        let tokens = Double(c.generatedTokens)
        func perToken(_ seconds: Double) -> Double { tokens > 0 ? 1000 * seconds / tokens : 0 }
        self.policy = policy.description
        self.rttMs = rttMs
        acceptanceRate = stats.acceptanceRate
        preemptiveHitRate = stats.preemptiveHitRate
        proactiveHitRate = stats.proactiveHitRate
        proactiveReusedDrafts = stats.proactiveReusedDrafts
        proactiveWastedDrafts = stats.proactiveWastedDrafts
        proactiveHiddenMsPerToken = stats.proactiveRounds == nil ? nil : perToken(c.proactiveHiddenSeconds)
        tokensPerRound = stats.tokensPerRound
        tokensPerS = stats.tokensPerS
        serverCPUSPerToken = stats.serverCPUSPerToken
        bytesPerToken = stats.bytesPerToken
        ttftMs = stats.ttftMs
        perPositionAcceptance = stats.perPositionAcceptance
        serverPassesPerToken = stats.cloudPassesPerToken
        meanWindow = c.rounds > 0 ? Double(c.proposed) / Double(c.rounds) : 0
        draftMs = perToken(c.draftSeconds)
        networkMs = perToken(c.networkSeconds)
        verifyMs = perToken(c.verifySeconds)
        queueMs = perToken(c.queueSeconds)
        if let profile, c.generatedTokens > 0 {
            let seconds = AssistCostModel.modelledSeconds(
                policy: policy, counters: c, promptTokens: promptTokens,
                rttSeconds: rttMs / 1000, profile: profile, exitFraction: exitFraction)
            modelledLatencyMsPerToken = 1000 * seconds / tokens
            modelledTokensPerS = seconds > 0 ? tokens / seconds : 0
        }
        generatedTokens = c.generatedTokens
        rounds = c.rounds
        proposed = c.proposed
        accepted = c.accepted
    }
}
