import Synchronization

/// Runs assisted generation: each round the drafter proposes a window (sized by the window policy),
/// the verifier keeps a prefix and adds its token, and the agreed tokens are yielded as they come.
///
/// One generation at a time per generator (its drafter and verifier hold one session each); a
/// concurrent `generate` fails with `GenerationError.generatorBusy`. A consumer that drops the stream
/// cancels the generation, which stops at its next await (at most one round later) and closes the
/// verifier; the generator is busy until then. The window policy's state carries
/// over from one generation to the next, so a cost model keeps what it learnt.
/// The verifier's answers are checked (`GenerationError.invalidVerdict`), never trusted blindly.
public final class AssistedGenerator: TokenGenerator {
    private let drafter: any Drafter
    private let verifier: any Verifier
    private let policy: Mutex<any WindowPolicy>
    private let gate = GenerationGate()
    /// Draft the next window on the verifier's provisional verdicts (see `PreemptiveDrafting`).
    public let preemptive: Bool
    /// Draft the next window while the current one is being verified (see `ProactiveDrafting`).
    public let proactive: Bool

    /// - Parameter preemptive: on each round's provisional (early-exit) verdict, start drafting the next
    ///   window at once and keep it when the verdict confirms the guess. Output is unchanged.
    /// - Parameter proactive: while a window is being verified, draft the next one on the assumption
    ///   that it is fully accepted and the verifier's token is the draft's own guess; keep it when the
    ///   verdict confirms that (with `preemptive`, the provisional verdict steers it). Output is unchanged.
    public init(
        drafter: any Drafter, verifier: any Verifier, policy: any WindowPolicy, preemptive: Bool = false,
        proactive: Bool = false
    ) {
        self.drafter = drafter
        self.verifier = verifier
        self.policy = Mutex(policy)
        self.preemptive = preemptive
        self.proactive = proactive
    }

    /// The window policy as the last generation left it.
    public var currentPolicy: any WindowPolicy { policy.withLock { $0 } }

    public func generate(_ request: SessionRequest, stopStrings: StopStrings? = nil) -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        .generation { continuation in
            try await self.run(request, stopStrings: stopStrings, continuation: continuation)
        }
    }

    private func run(
        _ request: SessionRequest, stopStrings: StopStrings?,
        continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
    ) async throws -> GenerationResult {
        try gate.enter()
        defer { gate.leave() }

        let clock = ContinuousClock()
        var sink = TokenSink(continuation, request: request, stopStrings: stopStrings, clock: clock, start: clock.now)
        var counters = GenerationCounters()
        let started = clock.now
        try await drafter.start(request)
        counters.draftSeconds += (clock.now - started).seconds
        let info = try await verifier.open(request)
        counters.wireBytes += info.wireBytes
        counters.serverCPUSeconds += info.serverCPUSeconds
        do {
            guard info.base == request.prompt.count else {
                throw GenerationError.invalidVerdict(
                    "the verifier opened at base \(info.base), not the prompt's \(request.prompt.count)")
            }
            var policy = self.policy.withLock { $0 }
            let reason = try await rounds(request, info: info, policy: &policy, sink: &sink, counters: &counters)
            self.policy.withLock { $0 = policy }
            await verifier.close()
            return sink.result(reason, counters: counters)
        } catch {
            await verifier.close()
            throw error
        }
    }

    /// Runs rounds from the opened session `info` until the generation ends (shared with
    /// `ResilientGenerator`, which calls it again after a verifier is lost and found).
    func rounds(
        _ request: SessionRequest, info: SessionInfo, policy: inout any WindowPolicy,
        sink: inout TokenSink, counters: inout GenerationCounters
    ) async throws -> FinishReason {
        let clock = ContinuousClock()
        var agreed = request.prompt.count
        var window = policy.initialWindow
        var round = 0
        var preemption = preemptive && !proactive ? PreemptiveDrafting(drafter: drafter) : nil
        if preemptive { counters.preemptiveGenerations += 1 }
        var proaction = proactive ? ProactiveDrafting(drafter: drafter) : nil
        if proactive { counters.proactiveGenerations += 1 }
        var previous: RoundStats?
        defer {
            preemption?.cancel()
            proaction?.cancel()
        }
        while true {
            try Task.checkCancellation()
            let room = min(sink.remaining, info.contextLength - agreed)
            if room <= 0 { return sink.remaining <= 0 ? .maxTokens : .contextFull }
            // Each round yields at least one token, so k ≤ room − 1 never overshoots the limits.
            let k = max(0, min(window, info.maxWindow, room - 1))

            let draftStart = clock.now
            var proposal = DraftProposal.empty
            if k > 0 {
                if let ready = proaction?.takeReady(k, counters: &counters) ?? preemption?.takeReady(k) {
                    proposal = ready
                } else {
                    proposal = try await drafter.propose(k, stopRule: policy.stopRule)
                }
            }
            var draftSeconds = (clock.now - draftStart).seconds
            let drafts = proposal.tokens
            guard drafts.count <= k else {
                throw GenerationError.invalidProposal(
                    "the drafter proposed \(drafts.count) tokens for a window of \(k)")
            }
            if let q = proposal.q, q.count != drafts.count {
                throw GenerationError.invalidProposal("\(drafts.count) drafts but \(q.count) q distributions")
            }

            round += 1
            let verifyStart = clock.now
            let draftRound = DraftRound(round: round, base: agreed, drafts: drafts, q: proposal.q)
            let verdict: Verdict
            if var active = proaction {
                let plan = PreemptiveDrafting.Plan(
                    policy: policy, drafts: drafts, draftSeconds: draftSeconds, previous: previous,
                    remaining: sink.remaining,
                    agreed: agreed, contextLength: info.contextLength, maxWindow: info.maxWindow,
                    stopTokens: Set(request.stopTokens), vocabularySize: info.vocabularySize)
                verdict = try await active.verify(
                    draftRound, verifier: verifier, plan: plan, steerOnProvisional: preemptive)
                proaction = active
            } else if var active = preemption {
                let plan = PreemptiveDrafting.Plan(
                    policy: policy, drafts: drafts, draftSeconds: draftSeconds, previous: previous,
                    remaining: sink.remaining,
                    agreed: agreed, contextLength: info.contextLength, maxWindow: info.maxWindow,
                    stopTokens: Set(request.stopTokens), vocabularySize: info.vocabularySize)
                verdict = try await active.verify(draftRound, verifier: verifier, plan: plan)
                preemption = active
            } else {
                verdict = try await verifier.verify(draftRound)
            }
            let roundSeconds = (clock.now - verifyStart).seconds
            guard verdict.round == round else {
                throw GenerationError.invalidVerdict("answer to round \(verdict.round) for round \(round)")
            }
            guard verdict.accepted >= 0, verdict.accepted <= drafts.count else {
                throw GenerationError.invalidVerdict("accepted \(verdict.accepted) of \(drafts.count) drafts")
            }
            guard verdict.next >= 0, verdict.next < info.vocabularySize else {
                throw GenerationError.invalidVerdict(
                    "next token \(verdict.next) is outside the vocabulary 0..<\(info.vocabularySize)")
            }
            let produced = Array(drafts[..<verdict.accepted]) + [verdict.next]

            let advanceStart = clock.now
            await preemption?.settle(produced, counters: &counters)
            await proaction?.settle(produced, counters: &counters)
            try await drafter.advance(produced)
            draftSeconds += (clock.now - advanceStart).seconds

            // A draft counts as accepted when it ends up in the sequence at its position: a window
            // cut at a stop token or limit comes back with the kept draft as `next`.
            var kept = verdict.accepted
            if kept < drafts.count, drafts[kept] == verdict.next { kept += 1 }
            let queue = max(0, verdict.timings.queueSeconds)
            let compute = max(0, verdict.timings.computeSeconds)
            let stats = RoundStats(
                proposed: drafts.count, accepted: kept, draftSeconds: draftSeconds,
                networkSeconds: max(0, roundSeconds - queue - compute),
                queueSeconds: queue, verifySeconds: compute,
                draftProbabilities: proposal.probabilities ?? [])
            counters.recordRound(proposed: drafts.count, accepted: kept, positions: drafts.count + 1)
            counters.draftSeconds += stats.draftSeconds
            counters.networkSeconds += stats.networkSeconds
            counters.queueSeconds += queue
            counters.verifySeconds += compute
            counters.serverCPUSeconds += max(0, verdict.timings.cpuSeconds)
            counters.wireBytes += verdict.wireBytes

            agreed += produced.count
            for token in produced {
                if let reason = sink.emit(token) { return reason }
            }
            if verdict.finished {
                return agreed >= info.contextLength ? .contextFull : .verifierFinished
            }
            window = policy.nextWindow(after: stats)
            previous = stats
        }
    }
}
