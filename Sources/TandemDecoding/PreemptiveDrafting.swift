import Synchronization

/// Preemptive drafting, the part of `AssistedGenerator` that overlaps drafting with the end of the
/// verifier's pass (Venkatesha et al. 2025, early exits).
///
/// During a round the verifier may send a provisional verdict (accepted a, token t) computed from an
/// early-exit layer. The drafter then starts drafting the NEXT window for the sequence agreed +
/// drafts[..<a] + [t] while the verifier finishes its pass and the verdict travels back. When the
/// verdict says exactly (a, t) the pre-drafted window is the next round's proposal (a hit); otherwise
/// it is thrown away, the drafter's cache and random stream roll back, and the window is drafted again
/// (a miss). Output is unchanged either way: drafts are only ever proposals that the verifier judges.
///
/// One value per generation, used by the generator's round loop only (not shared across tasks); the
/// provisional callback reaches it through a `Mutex`.
struct PreemptiveDrafting {
    /// What the generator knows when a round is sent, to size the next window from a provisional verdict
    /// the way the window policy would size it from the verdict.
    struct Plan: Sendable {
        var policy: any WindowPolicy
        var drafts: [Int]
        var draftSeconds: Double
        /// The previous round's timings (the current round's are not known until its verdict).
        var previous: RoundStats?
        var remaining: Int
        var agreed: Int
        var contextLength: Int
        var maxWindow: Int
        var stopTokens: Set<Int>
        var vocabularySize: Int

        /// The tokens the provisional verdict adds, or nil when it is malformed.
        func tokens(for provisional: Verdict.Provisional) -> [Int]? {
            guard provisional.accepted >= 0, provisional.accepted <= drafts.count,
                provisional.next >= 0, provisional.next < vocabularySize
            else { return nil }
            return Array(drafts[..<provisional.accepted]) + [provisional.next]
        }

        /// The window the generator would choose after this verdict (0: the generation would end), and
        /// the policy's stopping rule for it.
        func window(after provisional: Verdict.Provisional) -> (size: Int, stopRule: DraftStopRule?) {
            let produced = provisional.accepted + 1
            var kept = provisional.accepted
            if kept < drafts.count, drafts[kept] == provisional.next { kept += 1 }
            let room = min(remaining - produced, contextLength - agreed - produced)
            if room <= 0 || stopTokens.contains(provisional.next) { return (0, nil) }
            var policy = self.policy
            let stats = RoundStats(
                proposed: drafts.count, accepted: kept, draftSeconds: draftSeconds,
                networkSeconds: previous?.networkSeconds ?? 0, queueSeconds: previous?.queueSeconds ?? 0,
                verifySeconds: previous?.verifySeconds ?? 0)
            let size = max(0, min(policy.nextWindow(after: stats), maxWindow, room - 1))
            return (size, policy.stopRule)
        }
    }

    /// A speculative window being drafted.
    private struct Speculation: Sendable {
        var tokens: [Int]
        var started: ContinuousClock.Instant
        var task: Task<(proposal: DraftProposal?, ended: ContinuousClock.Instant), any Error>
    }

    /// What the provisional callback leaves for the round loop.
    private struct RoundState: Sendable {
        var provisionalAt: ContinuousClock.Instant?
        var speculation: Speculation?
    }

    /// The round state, shared by the round loop and the callback.
    private final class RoundBox: Sendable {
        let state = Mutex(RoundState())
    }

    private let drafter: any Drafter
    private let clock = ContinuousClock()
    /// The window a hit left for the next round.
    private var ready: DraftProposal?
    /// The round in flight's callback state, and when its verdict arrived.
    private var round: RoundBox?
    private var verdictAt: ContinuousClock.Instant?

    init(drafter: any Drafter) {
        self.drafter = drafter
    }

    /// The pre-drafted window for a round of `window` drafts, if the last round's speculation hit; nil
    /// means draft as usual.
    mutating func takeReady(_ window: Int) -> DraftProposal? {
        defer { ready = nil }
        guard let ready, window > 0, !ready.tokens.isEmpty else { return nil }
        guard ready.tokens.count > window else { return ready }
        return DraftProposal(
            tokens: Array(ready.tokens.prefix(window)), q: ready.q.map { Array($0.prefix(window)) },
            probabilities: ready.probabilities.map { Array($0.prefix(window)) })
    }

    /// Sends the round, starting a speculative window on the first provisional verdict.
    mutating func verify(_ draftRound: DraftRound, verifier: any Verifier, plan: Plan) async throws -> Verdict {
        let box = RoundBox()
        round = box
        verdictAt = nil
        let drafter = self.drafter
        let clock = self.clock
        do {
            let verdict = try await verifier.verify(draftRound) { provisional in
                box.state.withLock { s in
                    guard s.provisionalAt == nil else { return }  // only the first one per round
                    let now = clock.now
                    s.provisionalAt = now
                    guard let tokens = plan.tokens(for: provisional) else { return }
                    let window = plan.window(after: provisional)
                    guard window.size > 0 else { return }
                    let task = Task {
                        let proposal = try await drafter.speculate(
                            after: tokens, count: window.size, stopRule: window.stopRule)
                        return (proposal: proposal, ended: clock.now)
                    }
                    s.speculation = Speculation(tokens: tokens, started: now, task: task)
                }
            }
            verdictAt = clock.now
            return verdict
        } catch {
            box.state.withLock { $0.speculation?.task.cancel() }
            round = nil
            throw error
        }
    }

    /// Settles the round's speculation against the tokens the verdict added: keeps the pre-drafted
    /// window on a hit (waiting for the rest of it if it is still being drafted), stops and counts it on
    /// a miss. Call before `Drafter.advance(produced)`.
    mutating func settle(_ produced: [Int], counters: inout GenerationCounters) async {
        guard let box = round else { return }
        round = nil
        let taken = box.state.withLock { s -> RoundState in
            defer { s.speculation = nil }
            return s
        }
        if let provisionalAt = taken.provisionalAt, let verdictAt {
            counters.provisionals += 1
            counters.provisionalLeadSeconds += max(0, (verdictAt - provisionalAt).seconds)
        }
        guard let speculation = taken.speculation else { return }
        counters.preemptiveRounds += 1
        if speculation.tokens == produced {
            // A drafter that failed or declined to speculate leaves nothing: the next round drafts as usual.
            guard let done = try? await speculation.task.value, let proposal = done.proposal else { return }
            counters.preemptiveHits += 1
            let overlapEnd = min(done.ended, verdictAt ?? done.ended)
            counters.preemptiveSavedSeconds += max(0, (overlapEnd - speculation.started).seconds)
            ready = proposal
        } else {
            speculation.task.cancel()
            let done = try? await speculation.task.value
            counters.preemptiveWastedDrafts += done?.proposal?.tokens.count ?? 0
        }
    }

    /// Stops a speculation still running when the generation ends early.
    mutating func cancel() {
        round?.state.withLock { $0.speculation?.task.cancel() }
        round = nil
        ready = nil
    }
}
