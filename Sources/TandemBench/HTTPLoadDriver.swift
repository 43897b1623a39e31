import Foundation

/// Load on the OpenAI `POST /v1/completions` endpoint: `concurrency` clients each send requests one
/// after another (a small greedy completion, one connection per request, `Connection: close`) until
/// `requests` have been sent in all. Per run: requests/s, completion tokens/s, p50/p99 latency, the
/// server's RSS, and every non-200 answer by status (429: every session slot taken).
public struct HTTPLoadDriver: Sendable {
    /// One measured run.
    public struct Row: Sendable, Codable, Equatable {
        public var concurrency: Int
        public var requests: Int
        /// 200 answers with a completion.
        public var ok: Int
        public var requestsPerS: Double
        public var tokensPerS: Double
        public var p50Ms: Double
        public var p99Ms: Double
        public var wallSeconds: Double
        public var serverRSSPeakMB: Double?
        /// Failures by kind: `http.<status>`, `closed`, `timeout`, `connect`, `bad_body`.
        public var errors: [String: Int]

        enum CodingKeys: String, CodingKey {
            case concurrency, requests, ok, errors
            case requestsPerS = "requests_per_s"
            case tokensPerS = "tokens_per_s"
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case wallSeconds = "wall_s"
            case serverRSSPeakMB = "server_rss_peak_mb"
        }
    }

    public var host: String
    public var port: Int
    /// `max_tokens` of each request.
    public var maxTokens: Int
    public var timeout: Duration
    public var serverRSS: @Sendable () -> Int?
    /// Sent as `Authorization: Bearer` with every request (a server with `--api-keys`).
    public var apiKey: String?

    public init(
        host: String = "127.0.0.1", port: Int, maxTokens: Int = 8, timeout: Duration = .seconds(60),
        serverRSS: @escaping @Sendable () -> Int? = { residentBytes() }, apiKey: String? = nil
    ) {
        self.apiKey = apiKey
        self.host = host
        self.port = port
        self.maxTokens = max(1, maxTokens)
        self.timeout = timeout
        self.serverRSS = serverRSS
    }

    private struct Answer: Sendable {
        var seconds: Double
        var tokens: Int
        var error: String?
    }

    public func run(concurrency: Int, requests: Int) async -> Row {
        let exchange = RawHTTPExchange(host: host, port: port)
        let body = Array(#"{"prompt":"def fibonacci(n):","max_tokens":\#(maxTokens),"temperature":0}"#.utf8)
        let request = RawHTTPExchange.request(
            method: "POST", path: "/v1/completions", body: body,
            extraHeaders: apiKey.map { ["Authorization: Bearer \($0)"] } ?? [])
        let memory = ResidentMemorySampler(serverRSS)
        let clock = ContinuousClock()
        let started = clock.now
        let answers = await withTaskGroup(of: [Answer].self) { group in
            let clients = max(1, concurrency)
            for client in 0..<clients {
                // Each client's share of the requests, one after another.
                let share = requests / clients + (client < requests % clients ? 1 : 0)
                group.addTask {
                    var mine: [Answer] = []
                    for _ in 0..<share {
                        let t0 = clock.now
                        let ending = await exchange.send(request, timeout: timeout)
                        mine.append(Self.answer(ending, seconds: (clock.now - t0).seconds))
                    }
                    return mine
                }
            }
            var all: [Answer] = []
            for await some in group { all += some }
            return all
        }
        let wall = (clock.now - started).seconds
        let rss = memory.stop()
        var errors: [String: Int] = [:]
        for case let error? in answers.map(\.error) { errors[error, default: 0] += 1 }
        let good = answers.filter { $0.error == nil }
        let latencies = good.map(\.seconds).sorted()
        return Row(
            concurrency: concurrency, requests: answers.count, ok: good.count,
            requestsPerS: Double(good.count) / max(wall, 1e-9),
            tokensPerS: Double(good.reduce(0) { $0 + $1.tokens }) / max(wall, 1e-9),
            p50Ms: BatchLoadDriver.percentile(latencies, 0.5) * 1000,
            p99Ms: BatchLoadDriver.percentile(latencies, 0.99) * 1000, wallSeconds: wall,
            serverRSSPeakMB: rss.peakMB, errors: errors)
    }

    private static func answer(_ ending: RawHTTPExchange.Ending, seconds: Double) -> Answer {
        switch ending {
        case .connectFailed: return Answer(seconds: seconds, tokens: 0, error: "connect")
        case .timedOut: return Answer(seconds: seconds, tokens: 0, error: "timeout")
        case .closed: return Answer(seconds: seconds, tokens: 0, error: "closed")
        case .answered(let response):
            guard response.status == 200 else {
                return Answer(seconds: seconds, tokens: 0, error: "http.\(response.status)")
            }
            guard let node = try? JSONDecoder().decode(SpecNode.self, from: Data(response.body)),
                case .int(let tokens)? = node["usage"]?["completion_tokens"]
            else { return Answer(seconds: seconds, tokens: 0, error: "bad_body") }
            return Answer(seconds: seconds, tokens: Int(tokens), error: nil)
        }
    }
}
