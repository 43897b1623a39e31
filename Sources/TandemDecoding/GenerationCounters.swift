/// The raw tallies of one or more generations, from which `GenerationStats` is computed. Kept apart
/// so aggregates are exact (sums of counts and seconds), not averages of ratios.
public struct GenerationCounters: Sendable, Equatable, Codable {
    public var generations = 0
    public var generatedTokens = 0
    /// Verification rounds (one cloud forward pass each).
    public var rounds = 0
    public var proposed = 0
    public var accepted = 0
    /// Per window position i: rounds that proposed a draft at i, and rounds that kept it.
    public var proposedAt: [Int] = []
    public var acceptedAt: [Int] = []
    public var cloudPasses = 0
    public var cloudPositions = 0
    public var wireBytes = 0
    public var draftSeconds = 0.0
    public var networkSeconds = 0.0
    public var queueSeconds = 0.0
    public var verifySeconds = 0.0
    /// CPU seconds of the verifier's passes (prefill at open included), as the verifier measured them.
    public var serverCPUSeconds = 0.0
    /// Wall time from the start of each generation to its end, summed.
    public var wallSeconds = 0.0
    /// Time to first token, summed over the generations that produced one.
    public var firstTokenSeconds = 0.0
    public var firstTokenCount = 0
    /// Tokens the draft made alone while no verifier was reachable (included in `generatedTokens`).
    public var localTokens = 0
    /// Times the sequence moved to another verifier (or back to one) after losing its verifier.
    public var failovers = 0
    /// Routing mode: positions the client handed to the cloud (answered or not).
    public var routedPositions = 0
    /// Routed positions where the cloud's token differed from the draft's guess.
    public var routeReplaced = 0
    /// Routed positions the cloud did not answer in time (or at all): the draft's token was kept.
    public var routeFallbacks = 0
    /// Generations run with preemptive drafting on.
    public var preemptiveGenerations = 0
    /// Preemptive drafting: rounds whose provisional verdict started a speculative window, and those
    /// whose verdict matched it (the window was used as drafted).
    public var preemptiveRounds = 0
    public var preemptiveHits = 0
    /// Speculative drafting time that overlapped the wait for the verdict on hits.
    public var preemptiveSavedSeconds = 0.0
    /// Speculatively drafted tokens thrown away on misses.
    public var preemptiveWastedDrafts = 0
    /// Rounds that received a provisional verdict, and the seconds from it to the verdict, summed.
    public var provisionals = 0
    public var provisionalLeadSeconds = 0.0
    /// Generations run with proactive drafting on (`ProactiveDrafting`).
    public var proactiveGenerations = 0
    /// Proactive drafting: rounds that started a speculative next window while the round was being
    /// verified, and those whose verdict confirmed the speculation's assumption before it arrived.
    public var proactiveRounds = 0
    public var proactiveHits = 0
    /// Speculatively drafted tokens that became a later round's proposal, and those thrown away.
    public var proactiveReusedDrafts = 0
    public var proactiveWastedDrafts = 0
    /// Speculative drafting time that overlapped the wait for the verdict on hits.
    public var proactiveHiddenSeconds = 0.0

    public init() {}

    /// Records one verification round.
    public mutating func recordRound(proposed: Int, accepted: Int, positions: Int) {
        rounds += 1
        cloudPasses += 1
        cloudPositions += positions
        self.proposed += proposed
        self.accepted += accepted
        if proposedAt.count < proposed {
            proposedAt += Array(repeating: 0, count: proposed - proposedAt.count)
            acceptedAt += Array(repeating: 0, count: proposed - acceptedAt.count)
        }
        for i in 0..<proposed { proposedAt[i] += 1 }
        for i in 0..<min(accepted, proposed) { acceptedAt[i] += 1 }
    }

    /// These tallies plus `other`'s.
    public func merged(with other: GenerationCounters) -> GenerationCounters {
        var out = self
        out.generations += other.generations
        out.generatedTokens += other.generatedTokens
        out.rounds += other.rounds
        out.proposed += other.proposed
        out.accepted += other.accepted
        let n = max(proposedAt.count, other.proposedAt.count)
        out.proposedAt = (0..<n).map { (proposedAt[safe: $0] ?? 0) + (other.proposedAt[safe: $0] ?? 0) }
        out.acceptedAt = (0..<n).map { (acceptedAt[safe: $0] ?? 0) + (other.acceptedAt[safe: $0] ?? 0) }
        out.cloudPasses += other.cloudPasses
        out.cloudPositions += other.cloudPositions
        out.wireBytes += other.wireBytes
        out.draftSeconds += other.draftSeconds
        out.networkSeconds += other.networkSeconds
        out.queueSeconds += other.queueSeconds
        out.verifySeconds += other.verifySeconds
        out.serverCPUSeconds += other.serverCPUSeconds
        out.wallSeconds += other.wallSeconds
        out.firstTokenSeconds += other.firstTokenSeconds
        out.firstTokenCount += other.firstTokenCount
        out.localTokens += other.localTokens
        out.failovers += other.failovers
        out.routedPositions += other.routedPositions
        out.routeReplaced += other.routeReplaced
        out.routeFallbacks += other.routeFallbacks
        out.preemptiveGenerations += other.preemptiveGenerations
        out.preemptiveRounds += other.preemptiveRounds
        out.preemptiveHits += other.preemptiveHits
        out.preemptiveSavedSeconds += other.preemptiveSavedSeconds
        out.preemptiveWastedDrafts += other.preemptiveWastedDrafts
        out.provisionals += other.provisionals
        out.provisionalLeadSeconds += other.provisionalLeadSeconds
        out.proactiveGenerations += other.proactiveGenerations
        out.proactiveRounds += other.proactiveRounds
        out.proactiveHits += other.proactiveHits
        out.proactiveReusedDrafts += other.proactiveReusedDrafts
        out.proactiveWastedDrafts += other.proactiveWastedDrafts
        out.proactiveHiddenSeconds += other.proactiveHiddenSeconds
        return out
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
