import Synchronization
import TandemUtilities

/// Assisted generation that survives losing its verifier: while `verifier` answers, rounds run as in
/// `AssistedGenerator`; when it throws `VerifierUnavailable` (no verifier reachable), the draft goes on
/// alone, one token at a time (counted as `localTokens`, announced by a `.source(.local, …)` event).
/// Every `retryEveryTokens` local tokens (at most once per `retryInterval`, which doubles after each
/// failed attempt up to `maxRetryInterval`) a probe asks the verifier to open the sequence again, in
/// the background: local generation goes on meanwhile, so a network that drops packets (an attempt
/// lasting the verifier's timeouts) does not stall it. When a probe succeeds the verifier opens the
/// whole sequence as it is then and assisted rounds resume from there, without restarting the
/// generation. Any other error surfaces.
///
/// Local tokens are the draft's own (under greedy decoding, the draft's argmax), so a generation that
/// went local differs from the target's from there on; one that only failed over between verifiers
/// does not.
public final class ResilientGenerator: TokenGenerator {
    /// When to try the verifier again while generating locally.
    public struct Configuration: Sendable {
        /// Local tokens between two attempts.
        public var retryEveryTokens: Int
        /// Least time between the first two attempts; doubled after each failed one.
        public var retryInterval: Duration
        /// The longest the interval grows to.
        public var maxRetryInterval: Duration
        /// The clock the interval is measured on (tests pass one they move by hand).
        public var clock: any Clock<Duration>

        public init(
            retryEveryTokens: Int = 8, retryInterval: Duration = .milliseconds(500),
            maxRetryInterval: Duration = .seconds(15), clock: any Clock<Duration> = ContinuousClock()
        ) {
            self.retryEveryTokens = max(1, retryEveryTokens)
            self.retryInterval = retryInterval
            self.maxRetryInterval = max(retryInterval, maxRetryInterval)
            self.clock = clock
        }
    }

    private let drafter: any Drafter
    private let verifier: any Verifier
    private let assisted: AssistedGenerator
    private let policy: Mutex<any WindowPolicy>
    private let gate = GenerationGate()
    public let configuration: Configuration

    public init(
        drafter: any Drafter, verifier: any Verifier, policy: any WindowPolicy,
        configuration: Configuration = Configuration()
    ) {
        self.drafter = drafter
        self.verifier = verifier
        self.policy = Mutex(policy)
        self.configuration = configuration
        assisted = AssistedGenerator(drafter: drafter, verifier: verifier, policy: policy)
    }

    /// Runs one generation with source markers. Cancelling the consumer stops it.
    public func events(_ request: SessionRequest, stopStrings: StopStrings? = nil) -> AsyncThrowingStream<
        ResilientEvent, any Error
    > {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let result = try await self.run(request, stopStrings: stopStrings, continuation: continuation)
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The same generation without source markers.
    public func generate(_ request: SessionRequest, stopStrings: StopStrings? = nil) -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        let events = self.events(request, stopStrings: stopStrings)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in events {
                        switch event {
                        case .token(let t): continuation.yield(.token(t))
                        case .source: break
                        case .finished(let result): continuation.yield(.finished(result))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(
        _ request: SessionRequest, stopStrings: StopStrings?,
        continuation: AsyncThrowingStream<ResilientEvent, any Error>.Continuation
    ) async throws -> GenerationResult {
        try gate.enter()
        defer { gate.leave() }

        let clock = ContinuousClock()
        var sink = TokenSink(
            yieldToken: { continuation.yield(.token($0)) }, request: request, stopStrings: stopStrings,
            clock: clock, start: clock.now)
        var counters = GenerationCounters()
        let started = clock.now
        try await drafter.start(request)
        counters.draftSeconds += (clock.now - started).seconds
        var policy = self.policy.withLock { $0 }
        do {
            let reason = try await generate(
                request, policy: &policy, sink: &sink, counters: &counters, continuation: continuation)
            self.policy.withLock { $0 = policy }
            await verifier.close()
            counters.failovers = await (verifier as? any FailoverReporting)?.failovers ?? 0
            return sink.result(reason, counters: counters)
        } catch {
            await verifier.close()
            throw error
        }
    }

    private func generate(
        _ request: SessionRequest, policy: inout any WindowPolicy, sink: inout TokenSink,
        counters: inout GenerationCounters,
        continuation: AsyncThrowingStream<ResilientEvent, any Error>.Continuation
    ) async throws -> FinishReason {
        let clock = ContinuousClock()
        var source: TokenSource?
        // When the last attempt began, on the configured clock (the one above times the work).
        let attempts = ElapsedClock(configuration.clock)
        var lastAttempt: Duration?
        var localSinceAttempt = 0
        var interval = configuration.retryInterval
        var contextLength: Int?
        let probe = ReconnectProbe()
        defer { probe.cancel() }
        while true {
            try Task.checkCancellation()
            if sink.remaining <= 0 { return .maxTokens }
            // Open in the foreground at the start, and once a background probe found a verifier.
            var openNow = source == nil
            switch probe.take() {
            case .reachable?: openNow = true
            case .unreachable?: interval = min(interval * 2, configuration.maxRetryInterval)
            case .failed(let error)?: throw error
            case nil: break
            }
            if !openNow, source == .local, !probe.isBusy, localSinceAttempt >= configuration.retryEveryTokens,
                lastAttempt.map({ attempts.now - $0 >= interval }) ?? true
            {
                lastAttempt = attempts.now
                localSinceAttempt = 0
                let sequence = request.prompt + sink.tokens
                probe.start(
                    verifier,
                    SessionRequest(
                        prompt: sequence, sampling: request.sampling, maxTokens: sink.remaining,
                        stopTokens: request.stopTokens))
            }
            if openNow {
                lastAttempt = attempts.now
                localSinceAttempt = 0
                // The client owns the sequence: the verifier re-opens with all of it, local tokens included.
                let sequence = request.prompt + sink.tokens
                let resumed = SessionRequest(
                    prompt: sequence, sampling: request.sampling, maxTokens: sink.remaining,
                    stopTokens: request.stopTokens)
                do {
                    let info = try await verifier.open(resumed)
                    counters.wireBytes += info.wireBytes
                    guard info.base == sequence.count else {
                        throw GenerationError.invalidVerdict(
                            "the verifier opened at base \(info.base), not the sequence's \(sequence.count)")
                    }
                    contextLength = info.contextLength
                    interval = configuration.retryInterval
                    if source != .verified {
                        continuation.yield(
                            .source(.verified, reason: source == nil ? "verifier opened" : "a verifier answered again"))
                        source = .verified
                    }
                    return try await assisted.rounds(
                        resumed, info: info, policy: &policy, sink: &sink, counters: &counters)
                } catch let error as VerifierUnavailable {
                    if source != .local {
                        continuation.yield(.source(.local, reason: error.reason))
                        source = .local
                    }
                }
            }
            if let contextLength, request.prompt.count + sink.tokens.count >= contextLength { return .contextFull }
            let stepStart = clock.now
            let proposal = try await drafter.propose(1)
            guard proposal.tokens.count <= 1 else {
                throw GenerationError.invalidProposal(
                    "the drafter proposed \(proposal.tokens.count) tokens for a window of 1")
            }
            guard let token = proposal.tokens.first else { return .contextFull }
            try await drafter.advance([token])
            counters.draftSeconds += (clock.now - stepStart).seconds
            counters.localTokens += 1
            localSinceAttempt += 1
            if let reason = sink.emit(token) { return reason }
        }
    }
}
