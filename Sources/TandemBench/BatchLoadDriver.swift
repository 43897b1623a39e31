import Foundation
import Synchronization
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemServer
import TandemUtilities

#if canImport(Glibc)
    import Glibc
#endif

/// A load driver that measures the verifier, not its clients: N sessions run at once against
/// in-process verifiers of one target (the server's own `TargetModel`, batched or not), and instead
/// of N draft models competing for the cores, each assisted session replays draft windows made from
/// the target's own greedy continuation with a set acceptance: each draft is the target's next token,
/// replaced by a wrong one with probability 1 − acceptance (a seeded stream per session). The output
/// is therefore the target's greedy continuation whatever the batching (checked on every run).
public struct BatchLoadDriver: Sendable {
    /// Assisted (window of replayed drafts per round) or cloud-only (one target step per round).
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case assisted
        case cloudOnly = "cloud-only"
    }

    /// One measured configuration.
    public struct Row: Sendable, Codable, Equatable {
        public var mode: String
        public var sessions: Int
        public var batching: Bool
        public var tokensPerS: Double
        public var serverCPUSecondsPerToken: Double
        /// Mean new positions per forward pass (a round's positions without batching).
        public var positionsPerPass: Double
        /// Mean sessions per forward pass (1 without batching).
        public var sessionsPerPass: Double
        public var p50RoundMs: Double
        public var p99RoundMs: Double
        public var tokens: Int
        public var passes: Int
        public var wallSeconds: Double
        /// Resident memory (MiB) after the row, the process's current RSS.
        public var rssMB: Double

        enum CodingKeys: String, CodingKey {
            case mode, sessions, batching, tokens, passes
            case tokensPerS = "tokens_per_s"
            case serverCPUSecondsPerToken = "server_cpu_s_per_token"
            case positionsPerPass = "positions_per_pass"
            case sessionsPerPass = "sessions_per_pass"
            case p50RoundMs = "p50_round_ms"
            case p99RoundMs = "p99_round_ms"
            case wallSeconds = "wall_s"
            case rssMB = "rss_mb"
        }
    }

    public let model: Model
    public let prompts: [[Int]]
    public let window: Int
    public let acceptance: Double
    public let maxTokens: Int
    /// `--max-batch-positions` of the batched server.
    public let maxBatchPositions: Int
    /// `--batch-linger-ms` of the batched server, in seconds.
    public let maxLinger: Double
    /// Each prompt's greedy continuation (maxTokens + window tokens), computed once.
    let references: [[Int]]

    /// Computes the prompts' greedy continuations with the target (the replay source).
    /// - Throws: `ModelError` (a prompt too long, ids out of range).
    public init(
        model: Model, prompts: [[Int]], window: Int, acceptance: Double, maxTokens: Int, maxBatchPositions: Int,
        maxLinger: Double = EngineServing.standard.maxBatchLingerSeconds
    ) throws {
        self.maxLinger = maxLinger
        self.model = model
        self.prompts = prompts
        self.window = max(1, window)
        self.acceptance = min(1, max(0, acceptance))
        self.maxTokens = max(1, maxTokens)
        self.maxBatchPositions = max(1, maxBatchPositions)
        references = try prompts.map { prompt in
            let session = model.makeSession()
            var row = try session.append(prompt, logits: .last).logits[0]
            var out: [Int] = []
            for _ in 0..<(max(1, maxTokens) + max(1, window) + 1) {
                var best = 0
                for i in row.indices where row[i] > row[best] { best = i }
                out.append(best)
                guard session.count + 1 <= model.config.contextLength else { break }
                row = try session.append([best], logits: .last).logits[0]
            }
            return out
        }
    }

    /// Runs `sessions` sessions at once in `mode`, with batching on or off, and measures the server.
    /// - Throws: a verifier error, or `BatchLoadError.wrongOutput` when a session's tokens are not
    ///   the target's greedy continuation (the engine or the batcher broke exactness).
    public func run(mode: Mode, sessions: Int, batching: Bool) async throws -> Row {
        let serving = EngineServing(
            maxBatchPositions: batching ? maxBatchPositions : 0, maxBatchLingerSeconds: maxLinger)
        let target = try TargetModel(model: model, id: "bench", fingerprint: "bench", serving: serving)
        let passes = PassCounter()
        target.batcher?.addObserver { passes.add(sessions: $0.sessions, positions: $0.positions) }
        // Every session opens (prefills its prompt) first; only the rounds after that are measured.
        let opened = try await withThrowingTaskGroup(of: (Int, InProcessVerifier, Int).self) { group in
            for i in 0..<sessions {
                group.addTask {
                    let verifier = InProcessVerifier(
                        session: try target.makeSession(), queue: target.sessionQueue(), maxWindow: window,
                        shaper: target.shaper)
                    let prompt = prompts[i % prompts.count]
                    let info = try await verifier.open(SessionRequest(prompt: prompt, maxTokens: maxTokens))
                    return (i, verifier, info.base)
                }
            }
            var all: [(Int, InProcessVerifier, Int)] = []
            for try await r in group { all.append(r) }
            return all
        }
        passes.reset()
        let cpuStart = Self.processCPUSeconds()
        let clock = ContinuousClock()
        let started = clock.now
        let results = try await withThrowingTaskGroup(of: SessionResult.self) { group in
            for (i, verifier, base) in opened {
                group.addTask {
                    try await runRounds(i, verifier: verifier, base: base, mode: mode, passes: batching ? nil : passes)
                }
            }
            var all: [SessionResult] = []
            for try await r in group { all.append(r) }
            return all
        }
        let wall = (clock.now - started).seconds
        let cpu = Self.processCPUSeconds() - cpuStart
        let tokens = results.reduce(0) { $0 + $1.tokens }
        let latencies = results.flatMap(\.roundSeconds).sorted()
        let counted = passes.totals
        return Row(
            mode: mode.rawValue, sessions: sessions, batching: batching,
            tokensPerS: Double(tokens) / max(wall, 1e-9), serverCPUSecondsPerToken: cpu / Double(max(1, tokens)),
            positionsPerPass: Double(counted.positions) / Double(max(1, counted.passes)),
            sessionsPerPass: Double(counted.sessions) / Double(max(1, counted.passes)),
            p50RoundMs: Self.percentile(latencies, 0.5) * 1000, p99RoundMs: Self.percentile(latencies, 0.99) * 1000,
            tokens: tokens, passes: counted.passes, wallSeconds: wall, rssMB: Self.residentMB())
    }

    private struct SessionResult: Sendable {
        var tokens: Int
        var roundSeconds: [Double]
    }

    private func runRounds(
        _ index: Int, verifier: InProcessVerifier, base opened: Int, mode: Mode, passes: PassCounter?
    ) async throws -> SessionResult {
        let reference = references[index % references.count]
        var base = opened
        var produced: [Int] = []
        var rng = SplitMix64(seed: UInt64(index) &* 0x9E37_79B9 &+ 17)
        var latencies: [Double] = []
        let clock = ContinuousClock()
        var round = 1
        while produced.count < maxTokens {
            var drafts: [Int] = []
            if mode == .assisted {
                let room = min(window, maxTokens - produced.count - 1)
                for j in 0..<max(0, room) {
                    let truth = reference[produced.count + j]
                    let right = Double(rng.next() >> 11) / Double(1 << 53) < acceptance
                    drafts.append(right ? truth : (truth + 1 + Int(rng.next() % 97)) % model.config.vocabularySize)
                }
            }
            let started = clock.now
            let verdict = try await verifier.verify(DraftRound(round: round, base: base, drafts: drafts))
            latencies.append((clock.now - started).seconds)
            passes?.add(sessions: 1, positions: drafts.count + 1)
            let emitted = Array(drafts.prefix(verdict.accepted)) + [verdict.next]
            produced += emitted
            base += emitted.count
            round += 1
            if verdict.finished { break }
        }
        await verifier.close()
        let expected = Array(reference.prefix(produced.count))
        guard produced == expected else {
            throw BatchLoadError.wrongOutput(session: index, mode: mode.rawValue)
        }
        return SessionResult(tokens: produced.count, roundSeconds: latencies)
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    /// User + system CPU seconds of the whole process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
            guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        #else
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The process's resident memory now (Linux: /proc/self/statm), in MiB; 0 where unknown.
    static func residentMB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}

/// What the load driver refuses to report.
public enum BatchLoadError: Error, Equatable, CustomStringConvertible {
    /// A session's tokens differ from the target's greedy continuation.
    case wrongOutput(session: Int, mode: String)

    public var description: String {
        switch self {
        case .wrongOutput(let session, let mode):
            return "\(mode) session \(session) did not reproduce the target's greedy continuation"
        }
    }
}

/// Counts passes (from the batcher's reports, or per round without batching).
private final class PassCounter: Sendable {
    private let state = Mutex((passes: 0, sessions: 0, positions: 0))

    func add(sessions: Int, positions: Int) {
        state.withLock {
            $0.passes += 1
            $0.sessions += sessions
            $0.positions += positions
        }
    }

    var totals: (passes: Int, sessions: Int, positions: Int) { state.withLock { $0 } }

    func reset() {
        state.withLock { $0 = (0, 0, 0) }
    }
}
