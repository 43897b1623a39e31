import TandemDecoding

/// One cell of `tandem bench preempt`: every prompt at one RTT and window policy, with or without
/// preemptive drafting. Encodes with snake_case keys.
public struct PreemptRow: Sendable, Equatable, Codable {
    public var rttMs: Double
    public var policy: String
    public var preemptive: Bool
    public var prompts: Int
    public var tokens: Int
    public var rounds: Int
    /// Drafts proposed, all rounds together.
    public var drafts: Int
    public var acceptanceRate: Double
    public var tokensPerRound: Double
    /// Measured end-to-end milliseconds per generated token (connection, open and prefill included).
    public var msPerToken: Double
    /// Measured milliseconds per token after the first (steady-state decoding).
    public var decodeMsPerToken: Double
    public var tokensPerS: Double
    public var preemptiveRounds: Int
    public var preemptiveHits: Int
    public var hitRate: Double
    /// Drafting time hidden behind the verdict's wait, per round.
    public var savedMsPerRound: Double
    public var wastedDrafts: Int
    /// Mean milliseconds between a provisional frame's arrival and its verdict's, at the client.
    public var provisionalLeadMs: Double
    /// Modelled milliseconds per token under the profile (see `PreemptProfile`).
    public var modelledMsPerToken: Double
    /// The tokens equal the run without preemption, prompt by prompt.
    public var sameOutput: Bool

    enum CodingKeys: String, CodingKey {
        case rttMs = "rtt_ms"
        case policy, preemptive, prompts, tokens, rounds, drafts
        case acceptanceRate = "acceptance_rate"
        case tokensPerRound = "tokens_per_round"
        case msPerToken = "ms_per_token"
        case decodeMsPerToken = "decode_ms_per_token"
        case tokensPerS = "tokens_per_s"
        case preemptiveRounds = "preemptive_rounds"
        case preemptiveHits = "preemptive_hits"
        case hitRate = "preemptive_hit_rate"
        case savedMsPerRound = "saved_ms_per_round"
        case wastedDrafts = "preemptive_wasted_drafts"
        case provisionalLeadMs = "provisional_lead_ms"
        case modelledMsPerToken = "modelled_ms_per_token"
        case sameOutput = "same_output"
    }

    /// The row of aggregated `counters`.
    public init(
        rttMs: Double, policy: String, preemptive: Bool, prompts: Int, counters c: GenerationCounters,
        profile: PreemptProfile, sameOutput: Bool
    ) {
        let stats = GenerationStats(c)
        self.rttMs = rttMs
        self.policy = policy
        self.preemptive = preemptive
        self.prompts = prompts
        tokens = c.generatedTokens
        rounds = c.rounds
        drafts = c.proposed
        acceptanceRate = stats.acceptanceRate
        tokensPerRound = stats.tokensPerRound
        msPerToken = c.generatedTokens > 0 ? 1000 * c.wallSeconds / Double(c.generatedTokens) : 0
        let later = c.generatedTokens - c.firstTokenCount
        decodeMsPerToken = later > 0 ? 1000 * (c.wallSeconds - c.firstTokenSeconds) / Double(later) : 0
        tokensPerS = stats.tokensPerS
        preemptiveRounds = c.preemptiveRounds
        preemptiveHits = c.preemptiveHits
        hitRate = stats.preemptiveHitRate ?? 0
        savedMsPerRound = c.rounds > 0 ? 1000 * c.preemptiveSavedSeconds / Double(c.rounds) : 0
        wastedDrafts = c.preemptiveWastedDrafts
        provisionalLeadMs = stats.provisionalLeadMs ?? 0
        modelledMsPerToken =
            1000
            * profile.secondsPerToken(
                tokens: c.generatedTokens, rounds: c.rounds, drafts: c.proposed,
                hits: preemptive ? c.preemptiveHits : 0, rtt: rttMs / 1000)
        self.sameOutput = sameOutput
    }
}
