import Synchronization
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemWire

/// A server session over the engine: passes go through the model's `PassBatcher` when there is one
/// (else straight to the engine), early exits read `exitLayer`, and a refused cache growth becomes
/// the wire's `kv_budget` error.
final class EngineSession: LanguageModelSession {
    let session: ModelSession
    let batcher: PassBatcher?
    let exitLayer: Int?
    /// What this session's batched passes looked like, for the connection to report per round.
    let stats = BatchStatsBox()

    init(_ session: ModelSession, batcher: PassBatcher?, exitLayer: Int?) {
        self.session = session
        self.batcher = batcher
        self.exitLayer = exitLayer
    }

    var vocabularySize: Int { session.vocabularySize }
    var contextLength: Int { session.contextLength }
    var count: Int { session.count }

    func evaluate(_ tokens: [Int]) throws -> [[Float]] {
        try pass(tokens, logits: .all)
    }

    func prefill(_ tokens: [Int]) throws {
        _ = try pass(tokens, logits: .none)
    }

    func truncate(to count: Int) throws {
        try session.truncate(to: count)
    }

    /// Early exits run as a pass of their own (they hand rows out mid-pass), still one pass at a time
    /// with every batched pass of the model.
    func evaluate(_ tokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]] {
        try mapped {
            try session.append(
                tokens, logits: .all, earlyExitLayer: exitLayer ?? session.defaultEarlyExitLayer,
                onEarlyExit: onEarlyExit
            ).logits
        }
    }

    private func pass(_ tokens: [Int], logits: LogitsRequest) throws -> [[Float]] {
        try mapped {
            guard let batcher, !tokens.isEmpty else { return try session.append(tokens, logits: logits).logits }
            let out = try batcher.submit(session, tokens: tokens, logits: logits)
            stats.add(out)
            return out.output.logits
        }
    }

    private func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch ModelError.kvBudgetExceeded(let requested, let available) {
            throw WireError(
                .kvBudget,
                "the server's KV cache memory is spent (\(requested) more bytes needed, \(available) left); retry later or with a shorter sequence"
            )
        }
    }
}

/// Batch statistics gathered on a session's compute queue and read by its connection after a round.
final class BatchStatsBox: Sendable {
    private let stats = Mutex(BatchStats())

    func add(_ out: BatchedOutput) {
        stats.withLock { $0.add(out) }
    }

    /// The statistics gathered since the last call (nil when no batched pass ran), reset.
    func take() -> BatchStats? {
        stats.withLock { s in
            defer { s = BatchStats() }
            return s.passes == 0 ? nil : s
        }
    }
}

/// The batched passes one round went through (a round may take several: a prefill, extra steps).
struct BatchStats: Sendable, Equatable {
    var passes = 0
    /// Largest pass: sessions and positions.
    var sessions = 0
    var positions = 0
    var queueSeconds = 0.0

    mutating func add(_ out: BatchedOutput) {
        passes += 1
        sessions = max(sessions, out.sessions)
        positions = max(positions, out.positions)
        queueSeconds += out.queueSeconds
    }
}

extension WireTimings {
    /// Moves the time the round waited for its batched passes from compute to queue and records the
    /// largest pass's size.
    mutating func add(_ stats: BatchStats) {
        let waited = min(computeMs, stats.queueSeconds * 1000)
        queueMs += waited
        computeMs -= waited
        batchSessions = stats.sessions
        batchPositions = stats.positions
    }
}
