import Logging
import TandemDecoding
import TandemSecurity
import TandemUtilities
import TandemWire
import TandemWireConversions

/// Baseline: cloud-only decoding. The server generates every token with the target alone and streams
/// each as it comes (`generate`): one request for the whole generation, not one round trip per token.
///
/// Its counters read like the assisted generator's: `rounds` and `cloudPasses` are the server's
/// passes (one per token), `proposed` stays 0, queue, verify and CPU seconds come from each verdict's
/// timings, `networkSeconds` is the stream's wall time not spent in the server, and `wireBytes`
/// counts every frame both ways. No reconnect: a dropped connection fails the generation.
public struct CloudOnlyGenerator: TokenGenerator {
    /// `ws://host:port` or `ws://host:port/v1/assist`.
    public let url: String
    /// The client's tokenizer fingerprint (the server refuses a mismatch as for assisted sessions).
    public let fingerprint: String
    /// The client's model name, for the server's refusal message.
    public let clientModel: String?
    /// Longest wait for the connection and for each token.
    public let timeout: Duration
    /// The server's API key, sent as `Authorization: Bearer` on the upgrade (never logged).
    public let apiKey: String?
    let logger: Logger
    /// Trusted certificates for `wss://`.
    public let trust: ClientTrust

    public init(
        url: String, fingerprint: String, clientModel: String? = nil, timeout: Duration = .seconds(60),
        logger: Logger = Logger(label: "tandem.client"), trust: ClientTrust = .system, apiKey: String? = nil
    ) {
        self.trust = trust
        self.apiKey = apiKey
        self.url = url
        self.fingerprint = fingerprint
        self.clientModel = clientModel
        self.timeout = timeout
        self.logger = logger
    }

    public func generate(_ request: SessionRequest, stopStrings: StopStrings? = nil) -> AsyncThrowingStream<
        GenerationEvent, any Error
    > {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let result = try await self.run(request, stopStrings: stopStrings) {
                        continuation.yield(.token($0))
                    }
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(
        _ request: SessionRequest, stopStrings: StopStrings?,
        emit: (Int) -> Void
    ) async throws -> GenerationResult {
        let clock = ContinuousClock()
        let start = clock.now
        var counters = GenerationCounters()
        let codec = WireCodec()
        let link = try await WebSocketLink.connect(
            url: assistURL, timeout: timeout, logger: logger, trust: trust, apiKey: apiKey)
        func send(_ message: WireMessage) async throws {
            let frame = try codec.encode(message)
            try await link.send(frame)
            counters.wireBytes += RemoteVerifier.frameBytes(frame, masked: true)
        }
        func receive() async throws -> WireMessage {
            let frame = try await link.receive(timeout: timeout)
            counters.wireBytes += RemoteVerifier.frameBytes(frame, masked: false)
            return try codec.decode(frame)
        }
        do {
            try await send(.open(OpenMessage(request, draftFingerprint: fingerprint, draftModel: clientModel)))
            let info: SessionInfo
            switch try await receive() {
            case .opened(let opened):
                guard opened.base == request.prompt.count else {
                    throw ClientError.unexpectedMessage(
                        "opened at base \(opened.base) for a prompt of \(request.prompt.count)")
                }
                info = opened.sessionInfo()
            case .error(let e): throw e.wireError
            case let other: throw ClientError.unexpectedMessage("\(other.kind) in answer to open")
            }
            counters.serverCPUSeconds += info.serverCPUSeconds

            let streamStart = clock.now
            try await send(.generate(GenerateMessage(round: 1, base: request.prompt.count)))
            var tokens: [Int] = []
            var firstToken: Double?
            var serverSeconds = 0.0
            let stopTokens = Set(request.stopTokens)
            var reason: FinishReason?
            while reason == nil {
                try Task.checkCancellation()
                let verdict: VerdictMessage
                switch try await receive() {
                case .verdict(let v): verdict = v
                case .error(let e): throw e.wireError
                case let other: throw ClientError.unexpectedMessage("\(other.kind) while streaming a generation")
                }
                guard verdict.round == counters.rounds + 1, verdict.accepted == 0 else {
                    throw GenerationError.invalidVerdict(
                        "streamed verdict for round \(verdict.round) accepting \(verdict.accepted); expected round \(counters.rounds + 1) accepting 0"
                    )
                }
                guard verdict.next >= 0, verdict.next < info.vocabularySize else {
                    throw GenerationError.invalidVerdict(
                        "next token \(verdict.next) is outside the vocabulary 0..<\(info.vocabularySize)")
                }
                let timings = verdict.verdict().timings
                counters.recordRound(proposed: 0, accepted: 0, positions: 1)
                counters.queueSeconds += max(0, timings.queueSeconds)
                counters.verifySeconds += max(0, timings.computeSeconds)
                counters.serverCPUSeconds += max(0, timings.cpuSeconds)
                serverSeconds += max(0, timings.queueSeconds) + max(0, timings.computeSeconds)

                let token = verdict.next
                tokens.append(token)
                if firstToken == nil { firstToken = (clock.now - start).seconds }
                emit(token)
                if stopTokens.contains(token) {
                    reason = .stopToken(token)
                } else if let stops = stopStrings, !stops.strings.isEmpty,
                    let hit = Self.firstMatch(stops, tokens: tokens)
                {
                    reason = .stopString(hit)
                } else if tokens.count >= request.maxTokens {
                    reason = .maxTokens
                } else if verdict.finished {
                    reason =
                        request.prompt.count + tokens.count >= info.contextLength ? .contextFull : .verifierFinished
                }
            }
            counters.networkSeconds += max(0, (clock.now - streamStart).seconds - serverSeconds)
            await close(link, codec: codec, counters: &counters)
            counters.generations = 1
            counters.generatedTokens = tokens.count
            counters.wallSeconds = (clock.now - start).seconds
            if let firstToken {
                counters.firstTokenSeconds = firstToken
                counters.firstTokenCount = 1
            }
            return GenerationResult(tokens: tokens, finishReason: reason ?? .verifierFinished, counters: counters)
        } catch {
            await link.close()
            throw error
        }
    }

    private func close(_ link: WebSocketLink, codec: WireCodec, counters: inout GenerationCounters) async {
        if let frame = try? codec.encode(.close) {
            try? await link.send(frame)
            counters.wireBytes += RemoteVerifier.frameBytes(frame, masked: true)
        }
        await link.close()
    }

    /// The first stop string the text of `tokens` contains.
    private static func firstMatch(_ stops: StopStrings, tokens: [Int]) -> String? {
        let text = stops.detokenize(tokens)
        return stops.strings.first { text.contains($0) }
    }

    /// The WebSocket URL, with `/v1/assist` added when the configured one has no path.
    public var assistURL: String {
        guard let scheme = url.range(of: "://") else { return url }
        return url[scheme.upperBound...].contains("/") ? url : url + WireProtocol.path
    }
}
