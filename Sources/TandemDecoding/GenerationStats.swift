/// The metrics every mode reports (ARCHITECTURE.md's vocabulary), for one generation or an aggregate.
/// Encodes with snake_case keys; every ratio with an empty denominator is 0 (never NaN).
public struct GenerationStats: Sendable, Equatable, Codable {
    /// Accepted drafts / proposed drafts.
    public var acceptanceRate: Double
    /// Generated tokens / verification rounds.
    public var tokensPerRound: Double
    public var rounds: Int
    /// Target forward passes per generated token (prompt prefill not counted).
    public var cloudPassesPerToken: Double
    /// Target positions computed per generated token (k + 1 per round; prefill not counted).
    public var cloudPositionsPerToken: Double
    /// Bytes on the wire per generated token (0 in-process).
    public var bytesPerToken: Double
    /// Generated tokens / wall seconds (open and prefill included).
    public var tokensPerS: Double
    /// Milliseconds from the start to the first generated token (mean over generations).
    public var ttftMs: Double
    public var draftMs: Double
    public var networkMs: Double
    public var queueMs: Double
    public var verifyMs: Double
    /// The verifier's CPU seconds (prefill at open included) per generated token; 0 when not measured.
    public var serverCPUSPerToken: Double
    /// For window position i: how often a draft there was kept, given one was proposed there.
    public var perPositionAcceptance: [Double]
    public var generatedTokens: Int
    public var proposed: Int
    public var accepted: Int
    /// Tokens made by the draft alone while no verifier was reachable (part of `generatedTokens`).
    public var localTokens: Int
    /// Times the generation moved to another verifier after losing one.
    public var failovers: Int
    /// Routing mode: routed positions ÷ generated tokens.
    public var routedFraction: Double = 0
    /// Routing mode: positions handed to the cloud.
    public var routedPositions: Int = 0
    /// Routing mode: routed positions where the cloud's token replaced the draft's.
    public var routeReplaced: Int = 0
    /// Routing mode: routed positions the cloud did not answer in time; the draft's token was kept.
    public var routeFallbacks: Int = 0
    /// Preemptive drafting (present only when it was on, so other modes' JSON is unchanged): speculative
    /// windows started on a provisional verdict, the share the verdict confirmed, draft time hidden
    /// behind the verdict's wait (ms, total), drafts thrown away.
    public var preemptiveRounds: Int?
    public var preemptiveHits: Int?
    public var preemptiveHitRate: Double?
    public var preemptiveSavedMs: Double?
    public var preemptiveWastedDrafts: Int?
    /// Mean milliseconds from a provisional verdict's arrival to its verdict's (0 without any).
    public var provisionalLeadMs: Double?
    /// Proactive drafting (present only when it was on): rounds that drafted the next window while
    /// being verified, the share the verdict confirmed, speculative drafts reused and thrown away, and
    /// the drafting time hidden behind the verdict's wait (ms, total).
    public var proactiveRounds: Int?
    public var proactiveHits: Int?
    public var proactiveHitRate: Double?
    public var proactiveReusedDrafts: Int?
    public var proactiveWastedDrafts: Int?
    public var proactiveHiddenMs: Double?

    enum CodingKeys: String, CodingKey {
        case acceptanceRate = "acceptance_rate"
        case tokensPerRound = "tokens_per_round"
        case rounds
        case cloudPassesPerToken = "cloud_passes_per_token"
        case cloudPositionsPerToken = "cloud_positions_per_token"
        case bytesPerToken = "bytes_per_token"
        case tokensPerS = "tokens_per_s"
        case ttftMs = "ttft_ms"
        case draftMs = "draft_ms"
        case networkMs = "network_ms"
        case queueMs = "queue_ms"
        case verifyMs = "verify_ms"
        case serverCPUSPerToken = "server_cpu_s_per_token"
        case perPositionAcceptance = "per_position_acceptance"
        case generatedTokens = "generated_tokens"
        case proposed
        case accepted
        case localTokens = "local_tokens"
        case failovers
        case routedFraction = "routed_fraction"
        case routedPositions = "routed_positions"
        case routeReplaced = "route_replaced"
        case routeFallbacks = "route_fallbacks"
        case preemptiveRounds = "preemptive_rounds"
        case preemptiveHits = "preemptive_hits"
        case preemptiveHitRate = "preemptive_hit_rate"
        case preemptiveSavedMs = "preemptive_saved_ms"
        case preemptiveWastedDrafts = "preemptive_wasted_drafts"
        case provisionalLeadMs = "provisional_lead_ms"
        case proactiveRounds = "proactive_rounds"
        case proactiveHits = "proactive_hits"
        case proactiveHitRate = "proactive_hit_rate"
        case proactiveReusedDrafts = "proactive_reused_drafts"
        case proactiveWastedDrafts = "proactive_wasted_drafts"
        case proactiveHiddenMs = "proactive_hidden_ms"
    }

    /// The metrics of `counters`.
    public init(_ c: GenerationCounters) {
        func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 0 }
        let tokens = Double(c.generatedTokens)
        acceptanceRate = ratio(Double(c.accepted), Double(c.proposed))
        tokensPerRound = ratio(tokens, Double(c.rounds))
        rounds = c.rounds
        cloudPassesPerToken = ratio(Double(c.cloudPasses), tokens)
        cloudPositionsPerToken = ratio(Double(c.cloudPositions), tokens)
        bytesPerToken = ratio(Double(c.wireBytes), tokens)
        tokensPerS = ratio(tokens, c.wallSeconds)
        ttftMs = 1000 * ratio(c.firstTokenSeconds, Double(c.firstTokenCount))
        draftMs = 1000 * c.draftSeconds
        networkMs = 1000 * c.networkSeconds
        queueMs = 1000 * c.queueSeconds
        verifyMs = 1000 * c.verifySeconds
        serverCPUSPerToken = ratio(c.serverCPUSeconds, tokens)
        perPositionAcceptance = zip(c.acceptedAt, c.proposedAt).map { ratio(Double($0), Double($1)) }
        generatedTokens = c.generatedTokens
        proposed = c.proposed
        accepted = c.accepted
        localTokens = c.localTokens
        failovers = c.failovers
        routedFraction = ratio(Double(c.routedPositions), tokens)
        routedPositions = c.routedPositions
        routeReplaced = c.routeReplaced
        routeFallbacks = c.routeFallbacks
        if c.preemptiveGenerations > 0 {
            preemptiveRounds = c.preemptiveRounds
            preemptiveHits = c.preemptiveHits
            preemptiveHitRate = ratio(Double(c.preemptiveHits), Double(c.preemptiveRounds))
            preemptiveSavedMs = 1000 * c.preemptiveSavedSeconds
            preemptiveWastedDrafts = c.preemptiveWastedDrafts
            provisionalLeadMs = 1000 * ratio(c.provisionalLeadSeconds, Double(c.provisionals))
        }
        if c.proactiveGenerations > 0 {
            proactiveRounds = c.proactiveRounds
            proactiveHits = c.proactiveHits
            proactiveHitRate = ratio(Double(c.proactiveHits), Double(c.proactiveRounds))
            proactiveReusedDrafts = c.proactiveReusedDrafts
            proactiveWastedDrafts = c.proactiveWastedDrafts
            proactiveHiddenMs = 1000 * c.proactiveHiddenSeconds
            if provisionalLeadMs == nil, c.provisionals > 0 {
                provisionalLeadMs = 1000 * ratio(c.provisionalLeadSeconds, Double(c.provisionals))
            }
        }
    }

    /// The metrics of several generations together.
    public static func aggregate(_ results: [GenerationResult]) -> GenerationStats {
        GenerationStats(results.reduce(GenerationCounters()) { $0.merged(with: $1.counters) })
    }
}
