/// The target side of assisted decoding: holds the agreed sequence of one session and judges drafts.
///
/// In-process this is `InProcessVerifier`; over the network it is the client's proxy for a server
/// session. A verifier serves one session at a time; `open` again replaces it (that is how a client
/// resyncs: it re-opens with its whole sequence, and the cache is reused up to the common prefix).
public protocol Verifier: Sendable {
    /// Opens a session holding `request.prompt` as the agreed sequence.
    func open(_ request: SessionRequest) async throws -> SessionInfo
    /// Evaluates `[pending, d1 … dk]` in one pass and answers with the kept prefix and one token.
    func verify(_ round: DraftRound) async throws -> Verdict
    /// Ends the session; a later `verify` fails with `GenerationError.notOpen`.
    func close() async
    /// Like `verify(_:)`, and calls `onProvisional` as soon as an early-exit guess at the verdict is
    /// known, before the verdict (at most once per round in-process; a transport may repeat it after a
    /// reconnect). The guess can be wrong: only the verdict counts.
    func verify(_ round: DraftRound, onProvisional: @escaping @Sendable (Verdict.Provisional) -> Void) async throws
        -> Verdict
}

extension Verifier {
    /// Default: no early exit; the callback is never called.
    public func verify(_ round: DraftRound, onProvisional: @escaping @Sendable (Verdict.Provisional) -> Void)
        async throws -> Verdict
    {
        try await verify(round)
    }
}
