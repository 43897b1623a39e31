import TandemDecoding
import TandemWire
import TandemWireConversions

/// Cloud-only decoding on the server (`generate`): the target generates the rest of the session by
/// itself, one pass per token (a round with no drafts), and each token goes out as an ordinary
/// `verdict` as soon as it exists. One request, one stream: no network round trip per token.
enum ServerGeneration {
    /// Runs the session to its end from `message`, sending one verdict per token (the last has
    /// `finished: true`) or, if a round fails, one `error` and nothing after it.
    ///
    /// - Parameters:
    ///   - batchStats: the session's batch statistics (continuous batching), reported in each verdict.
    ///   - send: writes one frame to the client; its failure (a dropped connection) ends the loop.
    static func stream(
        _ message: GenerateMessage, verifier: InProcessVerifier, metrics: ServerMetrics,
        batchStats: BatchStatsBox? = nil, send: (WireMessage) async throws -> Void
    ) async throws {
        var round = message.round
        var base = message.base
        while true {
            let verdict: Verdict
            do {
                try Task.checkCancellation()
                verdict = try await verifier.verify(DraftRound(round: round, base: base, drafts: []))
            } catch let error as GenerationError {
                let wire: WireError
                if case .sessionFinished = error {
                    wire = WireError(
                        .sessionFinished,
                        "the session has finished (stop token, token limit or full context); open a new one to continue"
                    )
                } else {
                    wire = WireError(error)
                }
                try await send(.error(ErrorMessage(wire)))
                return
            } catch let error as WireError {
                try await send(.error(ErrorMessage(error)))
                return
            } catch {
                try await send(.error(ErrorMessage(code: .internal, message: "the server failed: \(error)")))
                return
            }
            metrics.rounds.increment()
            metrics.generated.increment(by: verdict.accepted + 1)
            var frame = VerdictMessage(verdict)
            if let stats = batchStats?.take() { frame.timings.add(stats) }
            metrics.verifyLatency.recordNanoseconds(Int64(frame.timings.computeMs * 1e6))
            metrics.queueLatency.recordNanoseconds(Int64(frame.timings.queueMs * 1e6))
            try await send(.verdict(frame))
            if verdict.finished { return }
            base += verdict.accepted + 1
            round += 1
        }
    }
}
