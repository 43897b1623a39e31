import TandemDecoding
import TandemWire
import TandemWireConversions

/// Serves `extend` (routing mode) on a connection: appends the client's tokens to the session's cache
/// in one pass and answers the target's own token(s) for the next position(s) as `routed`.
struct RouteHandler {
    let context: ServerContext
    /// The session's limits (the server's, narrowed by its key's).
    let limits: ServerLimits

    /// - Parameter verifier: the connection's verifier when its session is open, else nil.
    func extend(_ m: ExtendMessage, verifier: InProcessVerifier?) async throws -> RoutedMessage {
        guard let verifier else {
            throw WireError(
                .notOpen, "no open session on this connection: send open first (again after an error on open)")
        }
        guard m.span >= 1, m.span <= limits.maxWindow else {
            throw WireError(
                .invalidRequest, "a span of \(m.span) is outside this session's range 1...\(limits.maxWindow)")
        }
        let answer: RouteAnswer
        do {
            answer = try await verifier.route(m.routeRequest)
        } catch let GenerationError.windowTooLarge(requested, limit) {
            throw WireError(
                .contextFull,
                "\(requested) tokens and an answer do not fit the session's token limit or context: \(limit) tokens are left"
            )
        } catch GenerationError.sessionFinished {
            throw WireError(
                .sessionFinished,
                "the session has finished (stop token, token limit or full context); open a new one to continue")
        }
        let metrics = context.metrics
        metrics.rounds.increment()
        metrics.generated.increment(by: m.tokens.count + answer.tokens.count)
        metrics.verifyLatency.recordNanoseconds(Int64(answer.timings.computeSeconds * 1e9))
        metrics.queueLatency.recordNanoseconds(Int64(answer.timings.queueSeconds * 1e9))
        return RoutedMessage(answer)
    }
}
