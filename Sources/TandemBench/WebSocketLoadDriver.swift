import Foundation
import Logging
import TandemClient
import TandemDecoding
import TandemUtilities
import TandemWire

/// Load on a verifier's WebSocket path that measures the server, not its clients: N sessions connect at
/// once (one `RemoteVerifier` each, no reconnects), open with a random prompt and send `rounds` draft
/// windows of random token ids inside the vocabulary — no draft model runs, so the cores go to the
/// server. Per run: rounds/s, p50/p99 round latency (of the sessions the server admitted), the server's
/// RSS, and every failure by kind (a wire error by its code: `wire.session_limit` is a refusal at the
/// cap; a transport failure by its case).
public struct WebSocketLoadDriver: Sendable {
    /// One measured run.
    public struct Row: Sendable, Codable, Equatable {
        /// What was measured (`ws`, or `ws capped` for a run against a lower session cap).
        public var label: String
        public var sessions: Int
        /// The server's session cap in this run (nil: unknown, an external server).
        public var maxSessions: Int?
        /// Sessions whose `open` was answered `opened`.
        public var admitted: Int
        /// Sessions refused at `open` with `session_limit`.
        public var refused: Int
        /// Sessions that ran every round.
        public var completed: Int
        public var rounds: Int
        public var roundsPerS: Double
        public var p50RoundMs: Double
        public var p99RoundMs: Double
        public var wallSeconds: Double
        /// The server's resident memory before the run and at its peak (sampled every 50 ms), MiB.
        public var serverRSSStartMB: Double?
        public var serverRSSPeakMB: Double?
        /// Failures by kind (`wire.<code>`, `client.<case>`, `other.<type>`), refusals included.
        public var errors: [String: Int]

        enum CodingKeys: String, CodingKey {
            case label, sessions, admitted, refused, completed, rounds, errors
            case maxSessions = "max_sessions"
            case roundsPerS = "rounds_per_s"
            case p50RoundMs = "p50_round_ms"
            case p99RoundMs = "p99_round_ms"
            case wallSeconds = "wall_s"
            case serverRSSStartMB = "server_rss_start_mb"
            case serverRSSPeakMB = "server_rss_peak_mb"
        }
    }

    /// `ws://host:port`.
    public var url: String
    public var fingerprint: String
    public var vocabularySize: Int
    /// Rounds each admitted session sends.
    public var rounds: Int
    /// Drafts per round.
    public var window: Int
    public var promptLength: Int
    public var timeout: Duration
    public var seed: UInt64
    /// The server's RSS in bytes now (nil: unknown).
    public var serverRSS: @Sendable () -> Int?
    /// Sent as `Authorization: Bearer` on every upgrade (a server with `--api-keys`).
    public var apiKey: String?

    public init(
        url: String, fingerprint: String, vocabularySize: Int, rounds: Int = 16, window: Int = 4,
        promptLength: Int = 16, timeout: Duration = .seconds(60), seed: UInt64 = 1,
        serverRSS: @escaping @Sendable () -> Int? = { residentBytes() }, apiKey: String? = nil
    ) {
        self.apiKey = apiKey
        self.url = url
        self.fingerprint = fingerprint
        self.vocabularySize = max(1, vocabularySize)
        self.rounds = max(1, rounds)
        self.window = max(0, window)
        self.promptLength = max(1, promptLength)
        self.timeout = timeout
        self.seed = seed
        self.serverRSS = serverRSS
    }

    /// How one session ended.
    struct SessionOutcome: Sendable {
        var admitted = false
        var completed = false
        var roundSeconds: [Double] = []
        var error: String?
        /// When its first round was sent and its last answered.
        var firstRound: ContinuousClock.Instant?
        var lastRound: ContinuousClock.Instant?
    }

    /// Holds every session until all opens are answered, so admitted sessions run their rounds together
    /// and no slot is freed before the last `open` was judged (the refusals at a cap are then exact).
    actor OpenBarrier {
        private var waiting: Int
        private var parked: [CheckedContinuation<Void, Never>] = []

        init(_ count: Int) { waiting = count }

        func arrive() async {
            waiting -= 1
            if waiting <= 0 {
                for continuation in parked { continuation.resume() }
                parked = []
                return
            }
            await withCheckedContinuation { parked.append($0) }
        }
    }

    /// Runs `sessions` sessions at once.
    public func run(sessions: Int, label: String = "ws", maxSessions: Int? = nil) async -> Row {
        let memory = ResidentMemorySampler(serverRSS)
        let barrier = OpenBarrier(sessions)
        let outcomes = await withTaskGroup(of: SessionOutcome.self) { group in
            for i in 0..<sessions {
                group.addTask { await session(i, barrier: barrier) }
            }
            var all: [SessionOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let rss = memory.stop()
        // From the first round sent to the last answered (the opens before are not rounds).
        let firsts = outcomes.compactMap(\.firstRound)
        let lasts = outcomes.compactMap(\.lastRound)
        let wall = firsts.min().flatMap { first in lasts.max().map { ($0 - first).seconds } } ?? 0
        let latencies = outcomes.filter(\.admitted).flatMap(\.roundSeconds).sorted()
        var errors: [String: Int] = [:]
        for case let error? in outcomes.map(\.error) { errors[error, default: 0] += 1 }
        let refusal = "wire.\(WireErrorCode.sessionLimit.rawValue)"
        return Row(
            label: label, sessions: sessions, maxSessions: maxSessions,
            admitted: outcomes.filter(\.admitted).count,
            refused: outcomes.filter { !$0.admitted && $0.error == refusal }.count,
            completed: outcomes.filter(\.completed).count, rounds: latencies.count,
            roundsPerS: Double(latencies.count) / max(wall, 1e-9),
            p50RoundMs: BatchLoadDriver.percentile(latencies, 0.5) * 1000,
            p99RoundMs: BatchLoadDriver.percentile(latencies, 0.99) * 1000, wallSeconds: wall,
            serverRSSStartMB: rss.startMB, serverRSSPeakMB: rss.peakMB, errors: errors)
    }

    private func session(_ index: Int, barrier: OpenBarrier) async -> SessionOutcome {
        var outcome = SessionOutcome()
        var logger = Logger(label: "tandem.bench.load")
        logger.logLevel = .critical
        let verifier = RemoteVerifier(
            .init(
                url: url, draftFingerprint: fingerprint, draftModel: "load-replay", timeout: timeout, maxReconnects: 0,
                logger: logger, apiKey: apiKey))
        var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        func token() -> Int { Int(rng.next() % UInt64(vocabularySize)) }
        let clock = ContinuousClock()
        let prompt = (0..<promptLength).map { _ in token() }
        do {
            _ = try await verifier.open(SessionRequest(prompt: prompt, maxTokens: rounds * (window + 1) + 1))
            outcome.admitted = true
        } catch {
            outcome.error = Self.kind(of: error)
        }
        await barrier.arrive()
        guard outcome.admitted else {
            await verifier.close()
            return outcome
        }
        do {
            var base = prompt.count
            for round in 1...rounds {
                let drafts = (0..<window).map { _ in token() }
                let t0 = clock.now
                if outcome.firstRound == nil { outcome.firstRound = t0 }
                let verdict = try await verifier.verify(DraftRound(round: round, base: base, drafts: drafts))
                let t1 = clock.now
                outcome.lastRound = t1
                outcome.roundSeconds.append((t1 - t0).seconds)
                base += verdict.accepted + 1
                if verdict.finished { break }
            }
            outcome.completed = true
        } catch {
            outcome.error = Self.kind(of: error)
        }
        await verifier.close()
        return outcome
    }

    /// A failure's kind: `wire.<code>`, `client.<case>` or `other.<type>`.
    static func kind(of error: any Error) -> String {
        switch error {
        case let error as WireError: return "wire.\(error.code.rawValue)"
        case let error as ClientError:
            switch error {
            case .connectionFailed: return "client.connection_failed"
            case .connectionLost: return "client.connection_lost"
            case .timeout: return "client.timeout"
            case .reconnectsExhausted: return "client.reconnects_exhausted"
            case .unexpectedMessage: return "client.unexpected_message"
            case .concurrentReceive: return "client.concurrent_receive"
            case .tlsFailed: return "client.tls_failed"
            }
        default: return "other.\(type(of: error))"
        }
    }
}
