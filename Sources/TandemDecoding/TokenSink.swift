/// Emits a generation's tokens and decides, token by token, whether it must stop there. Shared by the
/// generators so stop tokens, stop strings, the token limit and time to first token mean the same in
/// every mode.
struct TokenSink {
    /// Where each token goes as it is emitted.
    let yieldToken: @Sendable (Int) -> Void
    let request: SessionRequest
    let stopTokens: Set<Int>
    let stopStrings: StopStrings?
    let clock: ContinuousClock
    let start: ContinuousClock.Instant
    private(set) var tokens: [Int] = []
    private(set) var firstTokenSeconds: Double?

    init(
        _ continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation, request: SessionRequest,
        stopStrings: StopStrings?, clock: ContinuousClock, start: ContinuousClock.Instant
    ) {
        self.init(
            yieldToken: { continuation.yield(.token($0)) }, request: request, stopStrings: stopStrings,
            clock: clock, start: start)
    }

    /// A sink that hands each token to `yieldToken` (for streams of other event types).
    init(
        yieldToken: @escaping @Sendable (Int) -> Void, request: SessionRequest, stopStrings: StopStrings?,
        clock: ContinuousClock, start: ContinuousClock.Instant
    ) {
        self.yieldToken = yieldToken
        self.request = request
        stopTokens = Set(request.stopTokens)
        self.stopStrings = stopStrings
        self.clock = clock
        self.start = start
    }

    /// Tokens still allowed by the limit.
    var remaining: Int { request.maxTokens - tokens.count }

    /// Emits `token`; returns why the generation ends with it, if it does.
    mutating func emit(_ token: Int) -> FinishReason? {
        tokens.append(token)
        if firstTokenSeconds == nil { firstTokenSeconds = (clock.now - start).seconds }
        yieldToken(token)
        if stopTokens.contains(token) { return .stopToken(token) }
        if let stop = stopStrings?.match(tokens) { return .stopString(stop) }
        if tokens.count >= request.maxTokens { return .maxTokens }
        return nil
    }

    /// The result, with the sink's share of the counters (tokens, wall time, first token) filled in.
    func result(_ reason: FinishReason, counters: GenerationCounters) -> GenerationResult {
        var c = counters
        c.generations = 1
        c.generatedTokens = tokens.count
        c.wallSeconds = (clock.now - start).seconds
        if let firstTokenSeconds {
            c.firstTokenSeconds = firstTokenSeconds
            c.firstTokenCount = 1
        }
        return GenerationResult(tokens: tokens, finishReason: reason, counters: c)
    }
}

extension AsyncThrowingStream where Failure == any Error, Element == GenerationEvent {
    /// A stream fed by `body` on a new task; ending the stream cancels the task.
    static func generation(
        _ body: @escaping @Sendable (Continuation) async throws -> GenerationResult
    ) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let result = try await body(continuation)
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
