import Foundation
import Logging
import TandemModel
import TandemServer
import TandemTokenizer

/// `tandem bench load`: the verifier under load on loopback. The WebSocket path at each session count
/// (`WebSocketLoadDriver`: replayed random draft windows, no draft model), the same path against a
/// lower session cap than the load (the excess must be refused with `session_limit`, the admitted
/// sessions must keep the latency of an uncapped run with as many sessions), and `POST /v1/completions`
/// at each concurrency (`HTTPLoadDriver`). The server is either started here with the target (batching
/// on, as `tandem serve` runs; RSS is then this whole process, clients included) or reached at a URL
/// (its RSS read from `/proc/PID` when its process id is given).
public struct LoadBenchmark: Sendable {
    /// Where the verifier is.
    public enum Server: Sendable {
        /// Started here from a target model file, once uncapped and once with the cap, running the
        /// engine as `serving` says (`.standard`: batching on, as `tandem serve` runs by default).
        case inProcess(targetPath: String, threads: Int, serving: EngineServing = .standard)
        /// Already running: `ws://host:port` (or `http://`); `cappedURL` is a second one serving with
        /// `--max-sessions` at the cap (nil: no capped run); `pid` its process for RSS.
        case external(url: String, cappedURL: String?, pid: Int32?)
    }

    public var server: Server
    public var sessions: [Int]
    public var rounds: Int
    public var window: Int
    /// The capped run: `cappedSessions` sessions against a server that admits `cap`.
    public var cap: Int
    public var cappedSessions: Int
    public var httpConcurrency: [Int]
    /// Requests per HTTP run (at least 4 per client).
    public var httpRequests: Int
    public var maxTokens: Int
    public var seed: UInt64
    /// An external server's API key, sent on every upgrade and request (nil: none).
    public var apiKey: String?

    public init(
        server: Server, sessions: [Int] = [1, 8, 64, 256], rounds: Int = 16, window: Int = 4, cap: Int = 16,
        cappedSessions: Int = 64, httpConcurrency: [Int] = [1, 8, 64], httpRequests: Int = 128, maxTokens: Int = 8,
        seed: UInt64 = 1, apiKey: String? = nil
    ) {
        self.apiKey = apiKey
        self.server = server
        self.sessions = sessions
        self.rounds = rounds
        self.window = window
        self.cap = cap
        self.cappedSessions = cappedSessions
        self.httpConcurrency = httpConcurrency
        self.httpRequests = httpRequests
        self.maxTokens = maxTokens
        self.seed = seed
    }

    /// What a run measured.
    public struct Report: Sendable, Codable, Equatable {
        public var websocket: [WebSocketLoadDriver.Row]
        /// The uncapped run with `cap` sessions, beside the capped one.
        public var uncappedAtCap: WebSocketLoadDriver.Row?
        public var capped: WebSocketLoadDriver.Row?
        public var http: [HTTPLoadDriver.Row]
        /// Cores this process saw, and whether the server ran in it.
        public var cores: Int
        public var inProcess: Bool

        enum CodingKeys: String, CodingKey {
            case websocket, capped, http, cores
            case uncappedAtCap = "uncapped_at_cap"
            case inProcess = "in_process"
        }
    }

    public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        var report = Report(
            websocket: [], uncappedAtCap: nil, capped: nil, http: [],
            cores: ProcessInfo.processInfo.activeProcessorCount, inProcess: false)
        switch server {
        case .inProcess(let path, let threads, let serving):
            report.inProcess = true
            let model = try Model(path: path, threads: threads)
            let tokenizer = try Tokenizer(gguf: model.file)
            let target = try TargetModel(
                model: model, id: (path as NSString).lastPathComponent, tokenizer: tokenizer, serving: serving)
            var logger = Logger(label: "tandem.bench.load")
            logger.logLevel = .critical
            let most = max(sessions.max() ?? 1, httpConcurrency.max() ?? 1, cap, cappedSessions)
            try await withServer(target, maxSessions: most, logger: logger) { port in
                let ws = wsDriver(url: "ws://127.0.0.1:\(port)", target: target, rss: { residentBytes() })
                try await measure(ws: ws, maxSessions: most, into: &report, progress: progress)
                let http = HTTPLoadDriver(port: port, maxTokens: maxTokens)
                for c in httpConcurrency {
                    let row = await http.run(concurrency: c, requests: max(httpRequests, 4 * c))
                    progress("http ×\(c): \(String(format: "%.1f", row.requestsPerS)) req/s, \(row.ok) ok")
                    report.http.append(row)
                }
            }
            if cap > 0, cappedSessions > 0 {
                try await withServer(target, maxSessions: cap, logger: logger) { port in
                    let ws = wsDriver(url: "ws://127.0.0.1:\(port)", target: target, rss: { residentBytes() })
                    report.capped = await ws.run(sessions: cappedSessions, label: "ws capped", maxSessions: cap)
                    progress("ws ×\(cappedSessions) capped at \(cap): \(report.capped?.refused ?? 0) refused")
                }
            }
        case .external(let url, let cappedURL, let pid):
            let rss: @Sendable () -> Int? = { pid.flatMap(Self.processResidentBytes) }
            let (host, port) = try Self.hostPort(url)
            let info = try await Self.modelInfo(host: host, port: port, apiKey: apiKey)
            let ws = WebSocketLoadDriver(
                url: "ws://\(host):\(port)", fingerprint: info.fingerprint, vocabularySize: info.vocabularySize,
                rounds: rounds, window: window, seed: seed, serverRSS: rss, apiKey: apiKey)
            try await measure(ws: ws, maxSessions: nil, into: &report, progress: progress)
            let http = HTTPLoadDriver(host: host, port: port, maxTokens: maxTokens, serverRSS: rss, apiKey: apiKey)
            for c in httpConcurrency {
                let row = await http.run(concurrency: c, requests: max(httpRequests, 4 * c))
                progress("http ×\(c): \(String(format: "%.1f", row.requestsPerS)) req/s, \(row.ok) ok")
                report.http.append(row)
            }
            if let cappedURL, cappedSessions > 0 {
                let (cHost, cPort) = try Self.hostPort(cappedURL)
                var capped = ws
                capped.url = "ws://\(cHost):\(cPort)"
                capped.serverRSS = { nil }
                report.capped = await capped.run(sessions: cappedSessions, label: "ws capped", maxSessions: cap)
            }
        }
        return report
    }

    private func wsDriver(url: String, target: TargetModel, rss: @escaping @Sendable () -> Int?) -> WebSocketLoadDriver
    {
        WebSocketLoadDriver(
            url: url, fingerprint: target.fingerprint, vocabularySize: target.vocabularySize, rounds: rounds,
            window: window, seed: seed, serverRSS: rss)
    }

    private func measure(
        ws: WebSocketLoadDriver, maxSessions: Int?, into report: inout Report, progress: @Sendable (String) -> Void
    ) async throws {
        for n in sessions {
            let row = await ws.run(sessions: n, maxSessions: maxSessions)
            progress(
                "ws ×\(n): \(String(format: "%.1f", row.roundsPerS)) rounds/s, p50 \(String(format: "%.1f", row.p50RoundMs)) ms, errors \(row.errors)"
            )
            report.websocket.append(row)
        }
        if cap > 0, cappedSessions > 0 {
            report.uncappedAtCap = await ws.run(sessions: cap, label: "ws uncapped", maxSessions: maxSessions)
        }
    }

    private func withServer(
        _ target: TargetModel, maxSessions: Int, logger: Logger, _ body: (Int) async throws -> Void
    ) async throws {
        let limits = ServerLimits(maxSessions: maxSessions, maxWindow: max(16, window))
        let running = try await VerifierServer(
            model: target, limits: limits, host: "127.0.0.1", port: 0, logger: logger
        )
        .start()
        do {
            try await body(running.port)
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
    }

    /// `ws://host:port…` or `http://host:port…` → host and port.
    static func hostPort(_ url: String) throws -> (String, Int) {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port
        else { throw OpenAPISubsetError(description: "\(url) is not ws://HOST:PORT or http://HOST:PORT") }
        return (host == "localhost" ? "127.0.0.1" : host, port)
    }

    /// The served model's tokenizer fingerprint and vocabulary, from `GET /v1/models`.
    static func modelInfo(host: String, port: Int, apiKey: String? = nil) async throws -> (
        fingerprint: String, vocabularySize: Int
    ) {
        let request = RawHTTPExchange.request(
            method: "GET", path: "/v1/models", contentType: nil, body: [],
            extraHeaders: apiKey.map { ["Authorization: Bearer \($0)"] } ?? [])
        let ending = await RawHTTPExchange(host: host, port: port).send(request, timeout: .seconds(10))
        if case .answered(let response) = ending, response.status == 401 {
            throw OpenAPISubsetError(
                description: "http://\(host):\(port)/v1/models: 401, the verifier wants "
                    + (apiKey == nil ? "an API key (--api-key or TANDEM_API_KEY)" : "another API key"))
        }
        guard
            case .answered(let response) = ending,
            response.status == 200,
            let node = try? JSONDecoder().decode(SpecNode.self, from: Data(response.body)),
            let entry = node["data"]?.array.first, let fingerprint = entry["tokenizer_fingerprint"]?.string,
            case .int(let vocabulary)? = entry["vocabulary_size"]
        else { throw OpenAPISubsetError(description: "no verifier model list at http://\(host):\(port)/v1/models") }
        return (fingerprint, Int(vocabulary))
    }

    /// Another process's resident memory (Linux `/proc/PID/statm`).
    static func processResidentBytes(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The report as markdown tables.
    public static func markdown(_ r: Report) -> String {
        func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
        func mb(_ v: Double?) -> String { v.map { f($0, 0) } ?? "–" }
        func errors(_ e: [String: Int]) -> String {
            e.isEmpty ? "none" : e.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        var lines = [
            "WebSocket `/v1/assist` (random draft windows, no draft model):", "",
            "| run | sessions | cap | admitted | refused | rounds | rounds/s | p50 round ms | p99 round ms | server RSS MiB start → peak | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for row in r.websocket + [r.uncappedAtCap, r.capped].compactMap({ $0 }) {
            lines.append(
                "| \(row.label) | \(row.sessions) | \(row.maxSessions.map(String.init) ?? "–") | \(row.admitted) | \(row.refused) | \(row.rounds) | \(f(row.roundsPerS)) | \(f(row.p50RoundMs)) | \(f(row.p99RoundMs)) | \(mb(row.serverRSSStartMB)) → \(mb(row.serverRSSPeakMB)) | \(errors(row.errors)) |"
            )
        }
        if !r.http.isEmpty {
            lines += [
                "", "OpenAI `POST /v1/completions` (greedy, small `max_tokens`, one connection per request):", "",
                "| concurrency | requests | ok | requests/s | tokens/s | p50 ms | p99 ms | server RSS peak MiB | errors |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
            ]
            for row in r.http {
                lines.append(
                    "| \(row.concurrency) | \(row.requests) | \(row.ok) | \(f(row.requestsPerS)) | \(f(row.tokensPerS)) | \(f(row.p50Ms)) | \(f(row.p99Ms)) | \(mb(row.serverRSSPeakMB)) | \(errors(row.errors)) |"
                )
            }
        }
        return lines.joined(separator: "\n")
    }
}
