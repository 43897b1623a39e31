/// Collaborative decoding with token-level routing: the draft model generates on its own and hands
/// only the positions it is unsure about (per its `RoutingPolicy`) to the cloud.
///
/// At a routed position the generator sends the tokens generated since the last exchange and asks for
/// the position (`RouteRequest`); without waiting it keeps generating from its own guess, up to
/// `lookahead` tokens. Nothing from the routed position on is emitted until the answer arrives: if the
/// cloud's token equals the guess the speculative tokens stand, otherwise the draft's cache is rolled
/// back and generation continues from the cloud's token(s). One routed position is in flight at a
/// time: an uncertain position met while speculating waits for the answer before it is routed.
///
/// If the answer does not come within `routeTimeout`, or the verifier fails, the guess is kept, the
/// position counts in `routeFallbacks`, and routing pauses for `retryAfter` (positions that want the
/// cloud meanwhile also fall back); the next routed position re-opens the session with the whole
/// sequence. The generator never fails because the cloud does.
public final class RoutedGenerator: TokenGenerator {
    /// How the generator routes and how patient it is.
    public struct Configuration: Sendable {
        public var policy: RoutingPolicy
        /// Tokens the cloud answers per routed position (≥ 1): the routed one and span − 1 after it.
        public var span: Int
        /// Most tokens generated past a routed position while its answer is in flight.
        public var lookahead: Int
        /// Longest wait for an answer before keeping the draft's own token.
        public var routeTimeout: Duration
        /// How long routing pauses after a failed or late answer.
        public var retryAfter: Duration
        /// A learned routing signal used instead of `policy.score` (the policy's threshold and budget
        /// still apply); the draft's session must give hidden states (`HiddenStateSession`).
        public var router: LearnedRouter?

        public init(
            policy: RoutingPolicy, span: Int = 1, lookahead: Int = 8, routeTimeout: Duration = .seconds(2),
            retryAfter: Duration = .seconds(2), router: LearnedRouter? = nil
        ) {
            self.router = router
            self.policy = policy
            self.span = span
            self.lookahead = lookahead
            self.routeTimeout = routeTimeout
            self.retryAfter = retryAfter
        }

        /// Throws `GenerationError.invalidLimit` for out-of-range values.
        public func validate() throws {
            try policy.validate()
            try router?.validate()
            guard span >= 1 else {
                throw GenerationError.invalidLimit(name: "route span", reason: "must be ≥ 1, got \(span)")
            }
            guard lookahead >= 0 else {
                throw GenerationError.invalidLimit(name: "lookahead", reason: "must be ≥ 0, got \(lookahead)")
            }
            guard routeTimeout > .zero else {
                throw GenerationError.invalidLimit(name: "route timeout", reason: "must be > 0")
            }
        }
    }

    public let configuration: Configuration
    private let draft: RoutingDraft
    private let verifier: any RoutingVerifier
    private let gate = GenerationGate()

    /// - Parameters:
    ///   - draft: the draft model's session, handed over.
    ///   - queue: the draft model's compute queue.
    ///   - verifier: the cloud (in-process or remote).
    ///   - shaper: makes the draft's sampling distribution for a session's parameters.
    public init(
        draft: sending some LanguageModelSession, queue: ComputeQueue = ComputeQueue(label: "tandem.router"),
        verifier: any RoutingVerifier, configuration: Configuration,
        shaper: @escaping ShaperFactory = SamplingDistribution.factory
    ) {
        self.draft = RoutingDraft(session: draft, queue: queue, shaper: shaper)
        self.verifier = verifier
        self.configuration = configuration
    }

    public func generate(_ request: SessionRequest, stopStrings: StopStrings? = nil) -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        .generation { continuation in
            try self.gate.enter()
            defer { self.gate.leave() }
            try self.configuration.validate()
            let clock = ContinuousClock()
            let sink = TokenSink(
                continuation, request: request, stopStrings: stopStrings, clock: clock, start: clock.now)
            let run = RoutingRun(
                request: request, draft: self.draft, verifier: self.verifier,
                configuration: self.configuration, sink: sink)
            return try await run.run()
        }
    }
}

/// One routed generation's state, confined to the generation's task.
private final class RoutingRun {
    private struct Flight {
        let call: RouteCall
        /// Index (in generated tokens) of the routed position.
        let position: Int
        let deadline: ContinuousClock.Instant
    }

    private let request: SessionRequest
    private let draft: RoutingDraft
    private let verifier: any RoutingVerifier
    private let configuration: RoutedGenerator.Configuration
    private let clock = ContinuousClock()
    private var sink: TokenSink
    private var counters = GenerationCounters()
    private var contextLength: Int
    /// Tokens after the emitted ones: the routed guess and what was generated from it (in flight only).
    private var speculative: [Int] = []
    /// The draft's step at the next position, kept when it had to wait for an answer.
    private var held: RoutingDraft.Step?
    private var flight: Flight?
    /// The last call started on the verifier; the next one runs after it.
    private var lastCall: RouteCall?
    private var openCall: RouteCall?
    /// True when the server holds exactly the prompt and the first `serverGenerated` emitted tokens.
    private var synced = false
    private var serverGenerated = 0
    private var pausedUntil: ContinuousClock.Instant?
    private var round = 0

    init(
        request: SessionRequest, draft: RoutingDraft, verifier: any RoutingVerifier,
        configuration: RoutedGenerator.Configuration, sink: TokenSink
    ) {
        self.request = request
        self.draft = draft
        self.verifier = verifier
        self.configuration = configuration
        self.sink = sink
        contextLength = draft.contextLength
    }

    private var generated: [Int] { sink.tokens }
    private var policy: RoutingPolicy { configuration.policy }

    func run() async throws -> GenerationResult {
        let started = clock.now
        try await draft.start(request, score: policy.score, router: configuration.router)
        counters.draftSeconds += (clock.now - started).seconds
        if policy.threshold > 0, policy.budget > 0 {
            // Open at once so the server's prefill overlaps the first drafted tokens.
            let verifier = self.verifier
            let request = self.request
            let call = RouteCall(after: nil) {
                let info = try await verifier.open(request)
                return RouteCall.Outcome(answer: nil, info: info, sentTokens: 0, seconds: 0)
            }
            openCall = call
            lastCall = call
            synced = true
        }
        let reason: FinishReason
        do {
            reason = try await loop()
        } catch {
            await finishCalls()
            throw error
        }
        let result = sink.result(reason, counters: counters)
        await finishCalls()
        return result
    }

    /// Lets a call still running end (within the route timeout) and closes the session.
    private func finishCalls() async {
        guard let lastCall else { return }
        if lastCall.result == nil { _ = await lastCall.result(before: clock.now + configuration.routeTimeout) }
        await verifier.close()
    }

    private func loop() async throws -> FinishReason {
        while true {
            try Task.checkCancellation()
            if let flight {
                if let result = flight.call.result {
                    if let reason = try await resolve(flight, result) { return reason }
                    continue
                }
                if clock.now >= flight.deadline {
                    if let reason = fallBack() { return reason }
                    continue
                }
                if try await speculate() { continue }
                let result = await flight.call.result(before: flight.deadline)
                try Task.checkCancellation()
                if let result {
                    if let reason = try await resolve(flight, result) { return reason }
                } else if let reason = fallBack() {
                    return reason
                }
                continue
            }

            let room = min(sink.remaining, contextLength - request.prompt.count - generated.count)
            if room <= 0 { return sink.remaining <= 0 ? .maxTokens : .contextFull }
            let step = try await nextStep()
            try await append([step.token])
            if policy.shouldRoute(
                confidence: step.confidence, routed: counters.routedPositions, generated: generated.count)
            {
                counters.routedPositions += 1
                if canRoute() {
                    launch(guess: step.token)
                    continue
                }
                counters.routeFallbacks += 1
            }
            if let reason = sink.emit(step.token) { return reason }
        }
    }

    /// Generates one more token past the routed position while its answer is in flight; false when it
    /// must wait instead (lookahead used up, a limit or stop token reached, or another uncertain position).
    private func speculate() async throws -> Bool {
        guard speculative.count <= configuration.lookahead,
            generated.count + speculative.count < request.maxTokens,
            request.prompt.count + generated.count + speculative.count < contextLength,
            let last = speculative.last, !request.stopTokens.contains(last)
        else { return false }
        let step = try await nextStep()
        // The routed position is counted in routedPositions already; this one would be the next.
        if policy.shouldRoute(
            confidence: step.confidence, routed: counters.routedPositions,
            generated: generated.count + speculative.count)
        {
            held = step
            return false
        }
        try await append([step.token])
        speculative.append(step.token)
        return true
    }

    private func nextStep() async throws -> RoutingDraft.Step {
        if let held {
            self.held = nil
            return held
        }
        let start = clock.now
        let step = try await draft.next()
        counters.draftSeconds += (clock.now - start).seconds
        return step
    }

    private func append(_ tokens: [Int]) async throws {
        let start = clock.now
        try await draft.append(tokens)
        counters.draftSeconds += (clock.now - start).seconds
    }

    /// Routing is possible unless it is paused after a failure or an abandoned call still runs.
    private func canRoute() -> Bool {
        if let pausedUntil, clock.now < pausedUntil { return false }
        if let lastCall, lastCall !== openCall, lastCall.result == nil { return false }
        return true
    }

    /// Sends the position `generated.count` (the draft guessed `guess`, already appended) to the cloud.
    private func launch(guess: Int) {
        round += 1
        let verifier = self.verifier
        let round = self.round
        let span = configuration.span
        let prefix = request.prompt + generated
        // After a failed call the server's state is unknown: re-open with the whole sequence.
        let resync = !synced || (lastCall.map { $0.result != nil && !$0.succeeded } ?? false)
        let base = request.prompt.count + serverGenerated
        let tokens = Array(generated[serverGenerated...])
        let reopen = SessionRequest(
            prompt: prefix, sampling: request.sampling,
            maxTokens: request.maxTokens - generated.count, stopTokens: request.stopTokens)
        let prior = lastCall?.result == nil ? lastCall : nil
        let call = RouteCall(after: prior) {
            var base = base
            var tokens = tokens
            var info: SessionInfo?
            if resync || prior?.succeeded == false {
                info = try await verifier.open(reopen)
                base = prefix.count
                tokens = []
            }
            let sent = ContinuousClock.now
            let answer = try await verifier.route(RouteRequest(round: round, base: base, tokens: tokens, span: span))
            return RouteCall.Outcome(
                answer: answer, info: info, sentTokens: tokens.count,
                seconds: (ContinuousClock.now - sent).seconds)
        }
        lastCall = call
        speculative = [guess]
        flight = Flight(call: call, position: generated.count, deadline: clock.now + configuration.routeTimeout)
    }

    /// Applies the cloud's answer (or falls back when the call failed or the answer is not usable) and
    /// emits everything up to the next uncertain position.
    private func resolve(_ flight: Flight, _ result: Result<RouteCall.Outcome, any Error>) async throws -> FinishReason?
    {
        guard case .success(let outcome) = result, let answer = outcome.answer,
            answer.round == round, !answer.tokens.isEmpty, answer.tokens.count <= configuration.span,
            answer.tokens.allSatisfy({ $0 >= 0 && $0 < draft.vocabularySize })
        else {
            return fallBack()
        }
        if let info = outcome.info {  // the call re-opened the session first
            contextLength = min(contextLength, info.contextLength)
            counters.wireBytes += info.wireBytes
        }
        countOpen()
        let cloud = answer.tokens
        var keep = 0
        while keep < min(cloud.count, speculative.count), cloud[keep] == speculative[keep] { keep += 1 }
        if cloud[0] != speculative[0] { counters.routeReplaced += 1 }
        if keep < cloud.count {
            let start = clock.now
            try await draft.truncate(to: request.prompt.count + flight.position + keep)
            try await draft.append(Array(cloud[keep...]))
            counters.draftSeconds += (clock.now - start).seconds
            speculative = cloud
            held = nil
        }
        counters.rounds += 1
        counters.cloudPasses += cloud.count
        counters.cloudPositions += outcome.sentTokens + cloud.count
        counters.wireBytes += answer.wireBytes
        let queue = max(0, answer.timings.queueSeconds)
        let compute = max(0, answer.timings.computeSeconds)
        counters.queueSeconds += queue
        counters.verifySeconds += compute
        counters.serverCPUSeconds += max(0, answer.timings.cpuSeconds)
        counters.networkSeconds += max(0, outcome.seconds - queue - compute)
        serverGenerated = flight.position + cloud.count
        synced = true
        self.flight = nil
        if answer.finished, !cloud.contains(where: request.stopTokens.contains) {
            // The server's session ended (its limit or context): the rest is the draft's alone.
            pausedUntil = clock.now + .seconds(365 * 86400)
        }
        return emitSpeculative()
    }

    /// The answer did not come in time or the call failed: keep the draft's guess.
    private func fallBack() -> FinishReason? {
        counters.routeFallbacks += 1
        synced = false
        pausedUntil = clock.now + configuration.retryAfter
        flight = nil
        countOpen()
        return emitSpeculative()
    }

    /// The initial open's bytes, counted once it has ended.
    private var openCounted = false
    private func countOpen() {
        guard !openCounted, let result = openCall?.result else { return }
        openCounted = true
        if case .success(let outcome) = result, let info = outcome.info {
            contextLength = min(contextLength, info.contextLength)
            counters.wireBytes += info.wireBytes
        }
    }

    /// Emits the speculative tokens, now final (no routed position before them is pending).
    private func emitSpeculative() -> FinishReason? {
        let tokens = speculative
        speculative = []
        for token in tokens {
            if let reason = sink.emit(token) { return reason }
        }
        return nil
    }
}
