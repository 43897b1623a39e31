import HummingbirdWebSocket
import TandemDecoding
import TandemWire
import TandemWireConversions

/// The server side of early-exit preemptive drafting: runs a round's pass and sends its `provisional`
/// frame the moment the early-exit layer is done, while the pass goes on, then hands back the verdict.
///
/// The provisional is made on the compute thread (inside the pass) and must not wait for the network,
/// so it goes through an `AsyncStream` that a child task drains into the WebSocket; the verdict is
/// returned only after that task has written everything, so `provisional` always precedes `verdict`.
enum ProvisionalRelay {
    /// Verifies `round` on `verifier`, writing `provisional{round, accepted, next}` to `outbound` mid-pass.
    static func verify(
        _ round: DraftRound, on verifier: InProcessVerifier, outbound: WebSocketOutboundWriter,
        metrics: ServerMetrics
    ) async throws -> Verdict {
        let (frames, continuation) = AsyncStream<ProvisionalMessage>.makeStream()
        let number = round.round
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let codec = WireCodec()
                for await message in frames {
                    // A failed write means the connection is gone; the verdict's write reports it.
                    guard let frame = try? codec.encode(.provisional(message)) else { continue }
                    try? await outbound.write(.text(frame))
                    metrics.provisionalSent()
                }
            }
            let verdict: Verdict
            do {
                verdict = try await verifier.verify(round) { provisional in
                    continuation.yield(ProvisionalMessage(round: number, provisional))
                }
            } catch {
                continuation.finish()
                try await group.waitForAll()
                throw error
            }
            continuation.finish()
            try await group.waitForAll()
            return verdict
        }
    }
}
