import Foundation
import Logging
import Synchronization
import TandemModel
import TandemOpenAIRoutes
import TandemServer
import TandemTokenizer
import TandemUtilities

/// Hostile HTTP requests against a live verifier's OpenAI endpoints on loopback (the bundled target,
/// `tandem serve` as it runs): requests built from the project's OpenAPI description
/// (docs/openai-subset.json) and mutated (`OpenAIFuzzInputs`), one connection each, each bounded by the
/// ceiling. Every answer must be an OpenAI error whose body fits the description's error schema (any
/// 4xx, or a dropped connection, for a request that is not well-formed HTTP), or a completion that fits
/// its schema (streamed: `data:` events of chunks, then `data: [DONE]`); a 5xx is a failure. Every
/// `checkEvery` inputs a well-behaved client asks for a greedy completion (plain, chat, streamed in
/// turn) and must get the same text as before the run. RSS (this process: server and client) is
/// sampled before, after each batch and after.
public struct OpenAIFuzzCampaign: Sendable {
    /// The target model file the verifier serves (its tokenizer too).
    public var targetPath: String
    public var spec: OpenAPISubset
    public var seed: UInt64
    public var start: Int
    public var inputs: Int
    public var ceilingSeconds: Double
    /// A well-behaved request every this many inputs.
    public var checkEvery: Int
    public var progress: FuzzProgress

    public init(
        targetPath: String, spec: OpenAPISubset, seed: UInt64, start: Int = 0, inputs: Int,
        ceilingSeconds: Double = 10, checkEvery: Int = 25, progress: FuzzProgress = .init(path: nil)
    ) {
        self.targetPath = targetPath
        self.spec = spec
        self.seed = seed
        self.start = max(0, start)
        self.inputs = max(0, inputs)
        self.ceilingSeconds = ceilingSeconds
        self.checkEvery = max(1, checkEvery)
        self.progress = progress
    }

    /// The well-behaved client's three requests.
    enum WellBehaved: Int, CaseIterable {
        case completion, chat, streamed

        var path: String { self == .chat ? "/v1/chat/completions" : "/v1/completions" }

        var body: String {
            switch self {
            case .completion:
                #"{"prompt":"def fibonacci(n):","max_tokens":12,"temperature":0}"#
            case .chat:
                #"{"messages":[{"role":"user","content":"Write a prime check."}],"max_tokens":12,"temperature":0}"#
            case .streamed:
                #"{"prompt":"def fibonacci(n):","max_tokens":12,"temperature":0,"stream":true}"#
            }
        }
    }

    public func run() async throws -> FuzzReport {
        let model = try Model(path: targetPath, threads: 1)
        let tokenizer = try Tokenizer(gguf: model.file)
        var logger = Logger(label: "tandem.bench.fuzz.openai")
        logger.logLevel = .critical
        let target = try TargetModel(model: model, id: "target.gguf", tokenizer: tokenizer, serving: .standard)
        let verifier = VerifierServer(model: target, host: "127.0.0.1", port: 0, logger: logger)
        let server = try await verifier.start()
        do {
            let report = try await campaign(port: server.port, vocabularySize: target.vocabularySize)
            await server.stop()
            return report
        } catch {
            await server.stop()
            throw error
        }
    }

    private func campaign(port: Int, vocabularySize: Int) async throws -> FuzzReport {
        var report = FuzzReport(target: "openai", seed: seed, start: start, ceilingSeconds: ceilingSeconds)
        let exchange = RawHTTPExchange(host: "127.0.0.1", port: port)
        let timeout = Duration.milliseconds(Int64(ceilingSeconds * 1000))
        // Warm-up: the well-behaved answers before any hostile input are the reference.
        var reference: [String] = []
        for kind in WellBehaved.allCases {
            switch await wellBehaved(kind, exchange: exchange, timeout: timeout) {
            case .success(let text): reference.append(text)
            case .failure(let why):
                throw OpenAPISubsetError(description: "the well-behaved \(kind) request failed before the run: \(why)")
            }
        }
        if reference[WellBehaved.streamed.rawValue] != reference[WellBehaved.completion.rawValue] {
            report.fail("the streamed completion's text differs from the plain one's")
        }
        let rssBefore = residentBytes() ?? 0
        var rssPeak = rssBefore
        var runs = 0
        var mismatches = 0
        var errors = 0
        var wellBehavedFailures: [String] = []
        let generator = OpenAIFuzzInputs(
            spec: spec, seed: seed, vocabularySize: vocabularySize, maxBodyBytes: OpenAIRoutes.maxBodyBytes)
        let loop = FuzzLoop(target: "openai", seed: seed, start: start, inputs: inputs, batch: 250, progress: progress)
        await loop.run(into: &report) { end, report in
            let rss = residentBytes() ?? 0
            rssPeak = max(rssPeak, rss)
            report.extra[String(format: "rss_mb_at_%06d", end)] = Double(rss) / 1_048_576
        } step: { i in
            let input = generator.input(i)
            let ending = await exchange.send(input.bytes, halfClose: input.halfClose, timeout: timeout)
            var outcome = judge(input, ending)
            if case .failed(let why) = outcome {
                // Name the request: its first line (method and path), as sent.
                let line = input.bytes.prefix(200).split(separator: 13, maxSplits: 1).first ?? []
                outcome = .failed("\(String(decoding: line, as: UTF8.self).prefix(120)): \(why)")
            }
            if (i + 1) % checkEvery == 0 {
                let kind = WellBehaved.allCases[(i / checkEvery) % WellBehaved.allCases.count]
                runs += 1
                switch await wellBehaved(kind, exchange: exchange, timeout: timeout) {
                case .success(let text) where text == reference[kind.rawValue]: break
                case .success:
                    mismatches += 1
                    wellBehavedFailures.append("well-behaved \(kind) request after input \(i): different text")
                case .failure(let why):
                    errors += 1
                    wellBehavedFailures.append("well-behaved \(kind) request after input \(i): \(why)")
                }
            }
            return (input.mutation.rawValue, outcome)
        }
        for failure in wellBehavedFailures { report.fail(failure) }
        let rssAfter = residentBytes() ?? 0
        var figures: [String: Double] = [:]
        figures["well_behaved_runs"] = Double(runs)
        figures["well_behaved_mismatches"] = Double(mismatches)
        figures["well_behaved_errors"] = Double(errors)
        figures["rss_before_mb"] = Double(rssBefore) / 1_048_576
        figures["rss_peak_mb"] = Double(max(rssPeak, rssAfter)) / 1_048_576
        figures["rss_after_mb"] = Double(rssAfter) / 1_048_576
        report.extra.merge(figures) { $1 }
        return report
    }

    /// A well-behaved request's text, or why there is none.
    private func wellBehaved(
        _ kind: WellBehaved, exchange: RawHTTPExchange, timeout: Duration
    ) async -> Result<String, OpenAPISubsetError> {
        let request = RawHTTPExchange.request(method: "POST", path: kind.path, body: Array(kind.body.utf8))
        guard case .answered(let response) = await exchange.send(request, timeout: timeout) else {
            return .failure(OpenAPISubsetError(description: "no answer"))
        }
        guard response.status == 200 else {
            return .failure(OpenAPISubsetError(description: "status \(response.status)"))
        }
        let operation = spec.operations.first { $0.path == kind.path }
        if kind == .streamed {
            guard let operation else { return .failure(OpenAPISubsetError(description: "no operation")) }
            switch Self.streamEvents(response.body, schema: operation.streamed, error: operation.error, spec: spec) {
            case .failure(let why): return .failure(why)
            case .success(let events):
                var text = ""
                for event in events {
                    if event["error"] != nil { return .failure(OpenAPISubsetError(description: "an error event")) }
                    text += event["choices"]?.array.first?["text"]?.string ?? ""
                }
                return .success(text)
            }
        }
        guard let node = try? JSONDecoder().decode(SpecNode.self, from: Data(response.body)),
            let choice = node["choices"]?.array.first
        else { return .failure(OpenAPISubsetError(description: "not a completion")) }
        let text = kind == .chat ? choice["message"]?["content"]?.string : choice["text"]?.string
        return text.map { .success($0) } ?? .failure(OpenAPISubsetError(description: "no text"))
    }

    /// How one answer to `input` counts.
    func judge(_ input: OpenAIFuzzInputs.Input, _ ending: RawHTTPExchange.Ending) -> FuzzOutcome {
        switch ending {
        case .connectFailed(let why): return .failed("could not connect: \(why)")
        case .timedOut(let partial): return .failed("no complete answer within the ceiling (\(partial) bytes)")
        case .closed(let partial):
            return input.httpLevel ? .refused : .failed("the connection closed without an answer (\(partial) bytes)")
        case .answered(let response):
            if response.status >= 500 {
                return .failed("status \(response.status): \(Self.prefix(response.body))")
            }
            guard let operation = spec.operations.first(where: { $0.path == input.operation }) else {
                return .failed("no operation \(input.operation)")
            }
            if input.httpLevel {
                // The HTTP layer may refuse in its own words; an OpenAI answer must still fit its schema.
                guard response.status != 200 else { return check(response, operation: operation) }
                return (400..<500).contains(response.status) ? .refused : .failed("status \(response.status)")
            }
            if response.status == 200 { return check(response, operation: operation) }
            guard (400..<500).contains(response.status) else { return .failed("status \(response.status)") }
            guard let node = try? JSONDecoder().decode(SpecNode.self, from: Data(response.body)) else {
                return .failed("status \(response.status) with a body that is not JSON: \(Self.prefix(response.body))")
            }
            if let problem = spec.violation(of: node, schema: operation.error) {
                return .failed(
                    "status \(response.status), not an OpenAI error (\(problem)): \(Self.prefix(response.body))")
            }
            return .refused
        }
    }

    /// A 200 answer: a completion (or a stream of chunks) that fits the operation's schema.
    private func check(_ response: RawHTTPResponse, operation: OpenAPISubset.Operation) -> FuzzOutcome {
        if response.contentType.hasPrefix("text/event-stream") {
            switch Self.streamEvents(response.body, schema: operation.streamed, error: operation.error, spec: spec) {
            case .failure(let why): return .failed("stream: \(why.description)")
            case .success(let events):
                // A failure after the stream started is one error event: a refusal, in OpenAI's shape.
                return events.contains { $0["error"] != nil } ? .refused : .accepted
            }
        }
        guard let node = try? JSONDecoder().decode(SpecNode.self, from: Data(response.body)) else {
            return .failed("200 with a body that is not JSON: \(Self.prefix(response.body))")
        }
        if let problem = spec.violation(of: node, schema: operation.response) {
            return .failed("200, not a completion (\(problem)): \(Self.prefix(response.body))")
        }
        return .accepted
    }

    /// The events of a server-sent stream, each fitting `schema` (or the error schema), ended by
    /// `data: [DONE]`.
    static func streamEvents(
        _ body: [UInt8], schema: SpecNode, error: SpecNode, spec: OpenAPISubset
    ) -> Result<[SpecNode], OpenAPISubsetError> {
        let text = String(decoding: body, as: UTF8.self)
        let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        guard events.last == "data: [DONE]" else {
            return .failure(OpenAPISubsetError(description: "does not end with data: [DONE]"))
        }
        var out: [SpecNode] = []
        for event in events.dropLast() {
            guard event.hasPrefix("data: "),
                let node = try? JSONDecoder().decode(SpecNode.self, from: Data(event.utf8.dropFirst(6)))
            else { return .failure(OpenAPISubsetError(description: "an event that is not data: JSON")) }
            let problem =
                node["error"] != nil
                ? spec.violation(of: node, schema: error) : spec.violation(of: node, schema: schema)
            if let problem { return .failure(OpenAPISubsetError(description: problem)) }
            out.append(node)
        }
        return .success(out)
    }

    static func prefix(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(160), as: UTF8.self)
    }
}
