import Synchronization

/// Proactive drafting, the part of `AssistedGenerator` that keeps the client drafting while a window is
/// being verified, instead of idling through the round trip and the verifier's pass.
///
/// When round r is sent with drafts d1 … dk, the drafter (on its own compute queue, while the round loop
/// awaits the verdict) guesses the verifier's next token g = the draft's own most likely token after dk
/// (`Drafter.guessNext`) and drafts the next window after agreed + d1 … dk + g
/// (`Drafter.speculate`), sized by the window policy as if the round were fully accepted and cut by the
/// policy's stopping rule. The verdict then either confirms the assumption (all k kept, next == g: the
/// speculative window is the next round's proposal, a hit) or not (a miss: it is thrown away and the
/// drafter's cache and random stream roll back exactly, as in `PreemptiveDrafting`).
///
/// With preemptive drafting on as well, the verifier's early-exit provisional verdict steers the
/// speculation: one that agrees with it leaves it running; one that keeps all k drafts but names
/// another token replaces the guess when it is not made yet; any other one replaces the speculation
/// with one that assumes the provisional verdict (drafted after the replaced one stops).
///
/// Output is unchanged: drafts are only proposals that the verifier judges, the guess draws nothing
/// from the random stream, and a hit's draws are exactly those the next round's `propose` would make
/// (when its window is the one speculated: always for fixed and doubling windows).
///
/// One value per generation, used by the generator's round loop only; the tasks and the provisional
/// callback share the round's state through a `Mutex`.
struct ProactiveDrafting {
    /// What a speculative window came to.
    private struct Outcome: Sendable {
        /// The tokens it assumed the round adds.
        var tokens: [Int]
        var proposal: DraftProposal
        var ended: ContinuousClock.Instant
    }

    /// A speculation in flight.
    private struct Speculation: Sendable {
        var started: ContinuousClock.Instant
        var task: Task<Outcome?, Never>
    }

    /// The round's state, shared by the round loop, the speculation task and the provisional callback.
    private struct RoundState: Sendable {
        /// The tokens the current speculation assumes, once its guess is made.
        var assumed: [Int]?
        /// A token to use instead of the draft's guess (a provisional verdict's, or the verdict's).
        var steer: Int?
        var provisionalAt: ContinuousClock.Instant?
        var current: Speculation?
        /// Speculations replaced by a provisional verdict's (stopped; counted as waste at settle).
        var replaced: [Speculation] = []
        /// True once the verdict is in: a guess made after it is not a hit.
        var verdictIn = false
        /// True when the assumption was fixed before the verdict arrived.
        var assumedBeforeVerdict = false
        /// The round's drafts.
        var drafts: [Int] = []
    }

    private final class RoundBox: Sendable {
        let state = Mutex(RoundState())
    }

    private let drafter: any Drafter
    private let clock = ContinuousClock()
    private var ready: DraftProposal?
    private var round: RoundBox?
    private var verdictAt: ContinuousClock.Instant?

    init(drafter: any Drafter) {
        self.drafter = drafter
    }

    /// The pre-drafted window for a round of `window` drafts, if the last round's speculation hit; nil
    /// means draft as usual.
    mutating func takeReady(_ window: Int, counters: inout GenerationCounters) -> DraftProposal? {
        defer { ready = nil }
        guard let ready, window > 0, !ready.tokens.isEmpty else { return nil }
        let used = min(window, ready.tokens.count)
        counters.proactiveReusedDrafts += used
        counters.proactiveWastedDrafts += ready.tokens.count - used
        guard ready.tokens.count > window else { return ready }
        return DraftProposal(
            tokens: Array(ready.tokens.prefix(window)), q: ready.q.map { Array($0.prefix(window)) },
            probabilities: ready.probabilities.map { Array($0.prefix(window)) })
    }

    /// Sends the round and, while it is out, drafts the next window on the assumption that the round
    /// is fully accepted (steered by a provisional verdict when `steerOnProvisional`).
    mutating func verify(
        _ draftRound: DraftRound, verifier: any Verifier, plan: PreemptiveDrafting.Plan,
        steerOnProvisional: Bool
    ) async throws -> Verdict {
        let box = RoundBox()
        round = box
        verdictAt = nil
        let drafter = self.drafter
        let clock = self.clock
        let drafts = draftRound.drafts
        // Only worth starting when a fully accepted round leaves room for another window.
        box.state.withLock { $0.drafts = drafts }
        let fullRoom = plan.window(after: Verdict.Provisional(accepted: drafts.count, next: -1))
        if fullRoom.size > 0 {
            box.state.withLock { s in
                let task = Task<Outcome?, Never> {
                    guard let guess = try? await drafter.guessNext(after: drafts) else { return nil }
                    // Fix the assumption (a provisional verdict's token, if one came, overrides the guess).
                    let tokens: [Int]? = box.state.withLock { s in
                        guard !Task.isCancelled else { return nil }
                        let tokens = drafts + [s.steer ?? guess]
                        s.assumed = tokens
                        s.assumedBeforeVerdict = !s.verdictIn
                        return tokens
                    }
                    guard let tokens, let next = tokens.last else { return nil }
                    let window = plan.window(after: Verdict.Provisional(accepted: drafts.count, next: next))
                    guard window.size > 0,
                        let proposal = try? await drafter.speculate(
                            after: tokens, count: window.size, stopRule: window.stopRule)
                    else { return nil }
                    return Outcome(tokens: tokens, proposal: proposal, ended: clock.now)
                }
                s.current = Speculation(started: clock.now, task: task)
            }
        }
        let onProvisional: @Sendable (Verdict.Provisional) -> Void = { provisional in
            box.state.withLock { s in
                guard s.provisionalAt == nil else { return }  // only the first one per round
                s.provisionalAt = clock.now
                guard steerOnProvisional, let tokens = plan.tokens(for: provisional) else { return }
                if let assumed = s.assumed, assumed == tokens { return }  // the speculation already assumes it
                if s.assumed == nil, s.current != nil, provisional.accepted == drafts.count {
                    s.steer = provisional.next  // still guessing: use the provisional's token instead
                    return
                }
                // Replace the speculation with one on the provisional verdict, drafted after it stops.
                let window = plan.window(after: provisional)
                let previous = s.current
                previous?.task.cancel()
                if let previous { s.replaced.append(previous) }
                s.current = nil
                s.assumed = nil
                guard window.size > 0 else { return }
                s.assumed = tokens
                s.assumedBeforeVerdict = true
                let task = Task<Outcome?, Never> {
                    _ = await previous?.task.value
                    guard !Task.isCancelled,
                        let proposal = try? await drafter.speculate(
                            after: tokens, count: window.size, stopRule: window.stopRule)
                    else { return nil }
                    return Outcome(tokens: tokens, proposal: proposal, ended: clock.now)
                }
                s.current = Speculation(started: clock.now, task: task)
            }
        }
        do {
            // Early-exit rows cost the verifier work: ask for them only when they steer.
            let verdict =
                steerOnProvisional
                ? try await verifier.verify(draftRound, onProvisional: onProvisional)
                : try await verifier.verify(draftRound)
            verdictAt = clock.now
            return verdict
        } catch {
            box.state.withLock { s in
                s.current?.task.cancel()
                for old in s.replaced { old.task.cancel() }
            }
            round = nil
            throw error
        }
    }

    /// Settles the round's speculation against the tokens the verdict added: keeps the speculative
    /// window on a hit (waiting for the rest of it if it is still being drafted), stops it and counts
    /// its drafts on a miss. Call before `Drafter.advance(produced)`.
    mutating func settle(_ produced: [Int], counters: inout GenerationCounters) async {
        guard let box = round else { return }
        round = nil
        // Fix what the verdict means for a speculation still guessing: a round not fully accepted is a
        // miss; otherwise it goes on after the verdict's own token (a late start, not a hit).
        let drafts = Array(produced.dropLast())
        let taken = box.state.withLock { s -> RoundState in
            s.verdictIn = true
            if s.assumed == nil, let current = s.current {
                if drafts == s.drafts { s.steer = produced.last } else { current.task.cancel() }
            }
            return s
        }
        if let provisionalAt = taken.provisionalAt, let verdictAt {
            counters.provisionals += 1
            counters.provisionalLeadSeconds += max(0, (verdictAt - provisionalAt).seconds)
        }
        for old in taken.replaced {
            counters.proactiveWastedDrafts += await old.task.value?.proposal.tokens.count ?? 0
        }
        guard let current = taken.current else { return }
        counters.proactiveRounds += 1
        if let assumed = taken.assumed, assumed != produced {
            current.task.cancel()
            counters.proactiveWastedDrafts += await current.task.value?.proposal.tokens.count ?? 0
            return
        }
        // A speculation that assumed `produced`, or one that will now go on after it.
        guard let outcome = await current.task.value else { return }
        guard outcome.tokens == produced else {
            counters.proactiveWastedDrafts += outcome.proposal.tokens.count
            return
        }
        let early = box.state.withLock { $0.assumedBeforeVerdict }
        if early {
            counters.proactiveHits += 1
            let overlapEnd = min(outcome.ended, verdictAt ?? outcome.ended)
            counters.proactiveHiddenSeconds += max(0, (overlapEnd - current.started).seconds)
        }
        ready = outcome.proposal
    }

    /// Stops speculations still running when the generation ends early.
    mutating func cancel() {
        round?.state.withLock { s in
            s.current?.task.cancel()
            for old in s.replaced { old.task.cancel() }
        }
        round = nil
        ready = nil
    }
}
