import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemOpenAI
import TandemOpenAIRoutes
import TandemTokenizer

/// The proxy's completions: each request gets its own draft session and its own verifier session
/// (assisted decoding through the library's generators), while all draft passes share one compute
/// queue, so concurrent requests interleave rounds instead of competing for the engine's threads.
struct AssistedCompletionBackend: CompletionBackend {
    let draft: Model
    let draftName: String
    let tokenizer: Tokenizer
    let configuration: ProxyConfiguration
    let metrics: ProxyMetrics
    let queue = ComputeQueue(label: "tandem.proxy.draft")

    func generate(_ request: SessionRequest, stopStrings: StopStrings?) throws -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        run(request, stopStrings: stopStrings).events
    }

    /// One generation: its events, and how to ask, once it is over, how often its verifier reconnected.
    struct Run: Sendable {
        var events: AsyncThrowingStream<GenerationEvent, any Error>
        /// Reconnects of the one server's verifier (`.server` and `.route`); 0 otherwise.
        var reconnects: @Sendable () async -> Int
    }

    /// Starts one generation (see ``generate(_:stopStrings:)``).
    func run(_ request: SessionRequest, stopStrings: StopStrings?) -> Run {
        let events: AsyncThrowingStream<GenerationEvent, any Error>
        var reconnects: @Sendable () async -> Int = { 0 }
        switch configuration.verification {
        case .localOnly:
            events = DraftOnlyGenerator(drafter: makeDrafter()).generate(request, stopStrings: stopStrings)
        case .server(let url, let preemptive, let proactive):
            let verifier = RemoteVerifier(
                .init(
                    url: url, draftFingerprint: tokenizer.fingerprint, draftModel: draftName,
                    timeout: configuration.timeout, preemptive: preemptive, security: configuration.security,
                    apiKey: configuration.apiKey))
            reconnects = { await verifier.reconnects }
            events = AssistedGenerator(
                drafter: makeDrafter(), verifier: verifier, policy: configuration.makePolicy(), preemptive: preemptive,
                proactive: proactive
            ).generate(request, stopStrings: stopStrings)
        case .resilient(let directory, let sha256):
            let verifier = FailoverVerifier(
                .init(
                    directory: directory, draftFingerprint: tokenizer.fingerprint, draftModel: draftName,
                    requireSha256: sha256, timeout: configuration.timeout, apiKey: configuration.apiKey))
            let generator = ResilientGenerator(
                drafter: makeDrafter(), verifier: verifier, policy: configuration.makePolicy(),
                configuration: .init(retryEveryTokens: configuration.retryEveryTokens))
            events = Self.tokens(of: generator.events(request, stopStrings: stopStrings))
        case .route(let url, let routing):
            let verifier = RemoteVerifier(
                .init(
                    url: url, draftFingerprint: tokenizer.fingerprint, draftModel: draftName,
                    timeout: configuration.timeout, maxReconnects: 2, security: configuration.security,
                    apiKey: configuration.apiKey))
            reconnects = { await verifier.reconnects }
            events = RoutedGenerator(
                draft: draft.makeSession(), queue: queue, verifier: verifier, configuration: routing,
                shaper: SamplingDistribution.factory
            ).generate(request, stopStrings: stopStrings)
        }
        return Run(events: Self.recording(events, into: metrics), reconnects: reconnects)
    }

    /// A drafter over a fresh session of the draft (one per request), on the shared queue.
    private func makeDrafter() -> ModelDrafter {
        ModelDrafter(
            session: draft.makeSession(), queue: queue, proposalTopK: configuration.proposalTopK,
            shaper: SamplingDistribution.factory)
    }

    func stats(_ result: GenerationResult) -> TandemCompletionStats? {
        TandemCompletionStats(mode: configuration.mode, result.stats)
    }

    /// A resilient generation's tokens and result (the source markers are dropped: the stats count
    /// local tokens).
    static func tokens(of events: AsyncThrowingStream<ResilientEvent, any Error>) -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        relay(events) { event in
            switch event {
            case .token(let id): .token(id)
            case .finished(let result): .finished(result)
            case .source: nil
            }
        }
    }

    /// `events` as they are, with each result added to the proxy's metrics.
    static func recording(_ events: AsyncThrowingStream<GenerationEvent, any Error>, into metrics: ProxyMetrics)
        -> AsyncThrowingStream<GenerationEvent, any Error>
    {
        relay(events) { event in
            if case .finished(let result) = event { metrics.record(result) }
            return event
        }
    }

    /// Relays `events` through `transform` (nil: dropped); dropping the result cancels the source.
    static func relay<Input: Sendable>(
        _ events: AsyncThrowingStream<Input, any Error>, transform: @escaping @Sendable (Input) -> GenerationEvent?
    ) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in events {
                        if let out = transform(event) { continuation.yield(out) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
