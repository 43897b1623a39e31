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
        guard context.slots.acquire() != nil else {
            throw OpenAIError.busy(
                "The server holds its limit of \(context.slots.limit) sessions; retry later.")
        }
        let verifier: InProcessVerifier
        do {
            verifier = try context.makeVerifier()
        } catch {
            context.slots.release()
            throw error
        }
        context.metrics.sessionsActive.record(context.slots.openCount)
        context.metrics.sessionsOpened.increment()
        // The coordinator's load figure (heartbeats) counts these completions as /v1/assist rounds.
        context.load.completionStarted()
        let events = TargetOnlyGenerator(verifier: verifier).generate(request, stopStrings: stopStrings)
        return AsyncThrowingStream { continuation in
            let task = Task {
                defer {
                    context.load.completionFinished()
                    context.slots.release()
                    context.metrics.sessionsActive.record(context.slots.openCount)
                }
                do {
                    for try await event in events {
                        if case .token = event { context.load.completionProduced(tokens: 1) }
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

    func stats(_ result: GenerationResult) -> TandemCompletionStats? {
        TandemCompletionStats(mode: "cloud", result.stats)
    }
}

extension ServerContext {
    /// A verifier over a fresh session of the model, capped at the server's context limit.
    func makeVerifier() throws -> InProcessVerifier { try makeSessionVerifier().verifier }

    /// A verifier over a fresh session of the model, capped at the server's context limit, and the
    /// session's batch statistics when continuous batching is on (its passes then go through the
    /// model's batcher, from a queue of the session's own).
    func makeSessionVerifier() throws -> (verifier: InProcessVerifier, batchStats: BatchStatsBox?) {
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
