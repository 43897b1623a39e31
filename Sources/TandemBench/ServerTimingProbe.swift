import Synchronization
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemTokenizer

/// Reads the server's own mid-pass timing: for each preemptive round, milliseconds from the start of the
/// pass to its provisional verdict (`provisional_ms`) and of the whole pass (`compute_ms`).
final class ServerTimingProbe: Sendable {
    private struct Sums {
        var provisional = 0.0
        var pass = 0.0
        var count = 0
    }

    private let sums = Mutex(Sums())

    /// Mean milliseconds to the provisional and of the pass (0 when nothing was measured).
    var means: (provisionalMs: Double, passMs: Double) {
        sums.withLock { s in
            s.count > 0 ? (1000 * s.provisional / Double(s.count), 1000 * s.pass / Double(s.count)) : (0, 0)
        }
    }

    fileprivate func record(_ verdict: Verdict) {
        guard let provisional = verdict.timings.provisionalSeconds else { return }
        sums.withLock {
            $0.provisional += provisional
            $0.pass += verdict.timings.computeSeconds
            $0.count += 1
        }
    }

    /// Runs `requests` with preemption straight to `server` (no emulated link), window 4.
    func measure(server: String, draft: Model, tokenizer: Tokenizer, requests: [SessionRequest]) async throws {
        let remote = RemoteVerifier(
            .init(
                url: server, draftFingerprint: tokenizer.fingerprint, draftModel: "draft",
                timeout: .seconds(60), preemptive: true))
        let generator = AssistedGenerator(
            drafter: ModelDrafter(session: draft.makeSession()),
            verifier: RecordingVerifier(inner: remote, probe: self),
            policy: FixedWindow(4), preemptive: true)
        for request in requests {
            _ = try await generator.run(request)
        }
    }
}

/// A verifier that hands each verdict to the probe on its way through.
private struct RecordingVerifier: Verifier {
    let inner: RemoteVerifier
    let probe: ServerTimingProbe

    func open(_ request: SessionRequest) async throws -> SessionInfo { try await inner.open(request) }
    func close() async { await inner.close() }

    func verify(_ round: DraftRound) async throws -> Verdict {
        let verdict = try await inner.verify(round)
        probe.record(verdict)
        return verdict
    }

    func verify(_ round: DraftRound, onProvisional: @escaping @Sendable (Verdict.Provisional) -> Void) async throws
        -> Verdict
    {
        let verdict = try await inner.verify(round, onProvisional: onProvisional)
        probe.record(verdict)
        return verdict
    }
}
