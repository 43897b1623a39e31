import TandemKernels

/// One session's part of a batched pass (`Model.forward(batch:)`).
public struct BatchEntry {
    /// The session whose cache the tokens extend.
    public var session: ModelSession
    /// The new tokens, at the session's next positions.
    public var tokens: [Int]
    /// Which of the new positions produce logits.
    public var logits: LogitsRequest

    public init(session: ModelSession, tokens: [Int], logits: LogitsRequest = .all) {
        self.session = session
        self.tokens = tokens
        self.logits = logits
    }
}

extension Model {
    /// Evaluates the new tokens of several sessions in ONE forward pass: every weight matrix is read
    /// once for all rows, attention runs per session over its own cache. Outputs follow `batch`.
    ///
    /// Each position's logits are bit-identical to what `session.append(tokens, logits:)` alone
    /// returns, whatever the other entries, their order or their lengths. An entry with no tokens
    /// gets an empty output and takes no part in the pass.
    /// - Throws: `ModelError.foreignSession` (a session of another model), `.duplicateSession` (the
    ///   same session twice), `.tokenOutOfRange`, `.contextOverflow` (per session),
    ///   `.kvBudgetExceeded` (the caches' growth does not fit their budgets); on error no session
    ///   changes.
    public func forward(batch: [BatchEntry]) throws -> [ForwardOutput] {
        var seen = Set<ObjectIdentifier>()
        for entry in batch {
            guard entry.session.model === self else { throw ModelError.foreignSession }
            guard seen.insert(ObjectIdentifier(entry.session)).inserted else { throw ModelError.duplicateSession }
            try entry.session.check(entry.tokens, earlyExitLayer: nil)
        }
        let live = batch.indices.filter { !batch[$0].tokens.isEmpty }
        var outputs = [ForwardOutput](repeating: ForwardOutput(logits: [], earlyExitLogits: nil), count: batch.count)
        guard !live.isEmpty else { return outputs }
        let results = try pass(
            live.map { batch[$0].session }, live.map { batch[$0].tokens }, live.map { batch[$0].logits },
            earlyExitLayer: nil, onEarlyExit: nil)
        for (i, index) in live.enumerated() { outputs[index] = results[i] }
        return outputs
    }

    /// Grows the sessions' caches (within their budgets), runs one pass under the model's lock and
    /// commits the tokens. Sessions are distinct, of this model, with checked, non-empty tokens.
    func pass(
        _ sessions: [ModelSession], _ tokens: [[Int]], _ requests: [LogitsRequest], earlyExitLayer: Int?,
        onEarlyExit: (([[[Float]]]) -> Void)?, probe: LayerProbe = LayerProbe()
    ) throws -> [ForwardOutput] {
        try reserveCaches(sessions, tokens)
        let segments = sessions.indices.map { i in
            PassSegment(session: sessions[i], tokens: tokens[i], request: requests[i], first: sessions[i].count)
        }
        let outputs = passState.withLock { scratch in
            runPass(
                segments, scratch: &scratch, earlyExitLayer: earlyExitLayer, onEarlyExit: onEarlyExit, probe: probe)
        }
        for (i, session) in sessions.enumerated() { session.commit(tokens[i]) }
        return outputs
    }

    /// Reserves every session's cache growth from its budget (all or nothing), then grows the caches.
    private func reserveCaches(_ sessions: [ModelSession], _ tokens: [[Int]]) throws {
        var taken: [(KVBudget, Int)] = []
        for (i, session) in sessions.enumerated() {
            let bytes = session.growthBytes(for: tokens[i].count)
            guard bytes > 0, let budget = session.budget else { continue }
            guard budget.reserve(bytes) else {
                for (b, n) in taken { b.release(n) }
                throw ModelError.kvBudgetExceeded(requestedBytes: bytes, availableBytes: max(0, budget.availableBytes))
            }
            taken.append((budget, bytes))
        }
        for (i, session) in sessions.enumerated() { session.grow(for: tokens[i].count) }
    }
}
