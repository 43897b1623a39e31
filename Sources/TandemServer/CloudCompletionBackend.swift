import TandemDecoding
import TandemOpenAI
import TandemOpenAIRoutes

/// The verifier's OpenAI-compatible endpoints generate with the target alone (the cloud-only path):
/// each request takes a session slot and a fresh KV cache, and the library's `TargetOnlyGenerator`
/// runs it, one pass per token, as `generate` frames do on the WebSocket.
struct CloudCompletionBackend: CompletionBackend {
    let context: ServerContext

    func generate(_ request: SessionRequest, stopStrings: StopStrings?) throws -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        let context = self.context
        let grant = RequestKey.grant
        let keyLimits = try Self.admit(grant, context: context)
        guard context.slots.acquire() != nil else {
            context.access.sessionClosed(grant)
            context.access.refused(grant, "server_sessions")
            throw OpenAIError.busy(
                "The server holds its limit of \(context.slots.limit) sessions; retry later.")
        }
        guard context.load.tryRoundStarted(limit: context.limits.maxQueuedRounds) else {
            context.slots.release()
            context.access.sessionClosed(grant)
            let refusal = AccessRefusal.overloaded(limit: context.limits.maxQueuedRounds ?? 0)
            context.access.refused(grant, refusal.reason)
            throw refusal.openAIError
        }
        let verifier: InProcessVerifier
        do {
            verifier = try context.makeVerifier(limits: context.limits.narrowed(by: keyLimits))
        } catch {
            context.load.completionFinished()
            context.slots.release()
            context.access.sessionClosed(grant)
            throw error
        }
        context.metrics.sessionsActive.record(context.slots.openCount)
        context.metrics.sessionsOpened.increment()
        // The coordinator's load figure (heartbeats) counts these completions as /v1/assist rounds
        // (counted in flight above).
        let events = TargetOnlyGenerator(verifier: verifier).generate(request, stopStrings: stopStrings)
        return AsyncThrowingStream { continuation in
            let task = Task {
                defer {
                    context.load.completionFinished()
                    context.access.sessionClosed(grant)
                    context.slots.release()
                    context.metrics.sessionsActive.record(context.slots.openCount)
                }
                do {
                    for try await event in events {
                        if case .token = event {
                            context.load.completionProduced(tokens: 1)
                            context.access.produced(grant, tokens: 1)
                        }
                        if case .finished(let result) = event {
                            context.metrics.rounds.increment(by: result.counters.rounds)
                            context.metrics.generated.increment(by: result.tokens.count)
                        }
                        continuation.yield(event)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The key's admission of a completion (its sessions, opens and tokens per minute), or the
    /// refusal in OpenAI's shape.
    private static func admit(_ grant: KeyGrant?, context: ServerContext) throws(OpenAIError) -> KeyLimits {
        let limits: KeyLimits
        do {
            limits = try context.access.admitOpen(grant, newSession: true)
        } catch {
            throw error.openAIError
        }
        do {
            try context.access.admitTokens(grant)
        } catch {
            context.access.sessionClosed(grant)
            throw error.openAIError
        }
        return limits
    }

    func stats(_ result: GenerationResult) -> TandemCompletionStats? {
        TandemCompletionStats(mode: "cloud", result.stats)
    }
}

extension ServerContext {
    /// A verifier over a fresh session of the model, capped at the server's context limit.
    func makeVerifier(limits: ServerLimits? = nil) throws -> InProcessVerifier {
        try makeSessionVerifier(limits: limits).verifier
    }

    /// A verifier over a fresh session of the model, capped at the server's context limit, and the
    /// session's batch statistics when continuous batching is on (its passes then go through the
    /// model's batcher, from a queue of the session's own).
    func makeSessionVerifier(limits: ServerLimits? = nil) throws -> (
        verifier: InProcessVerifier, batchStats: BatchStatsBox?
    ) {
        let limits = limits ?? self.limits
        let contextLength = min(limits.contextLength ?? model.contextLength, model.contextLength)
        let base = try model.makeSession()
        // Read before the session is handed to the verifier (which takes it as `sending`).
        let batchStats = (base as? EngineSession)?.stats
        let session = ContextCappedSession(base, contextLength: contextLength)
        let verifier = InProcessVerifier(
            session: session, queue: model.sessionQueue(), maxWindow: limits.maxWindow, shaper: model.shaper)
        return (verifier, batchStats)
    }
}
