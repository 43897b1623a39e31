import Logging
import TandemDecoding
import TandemSecurity
import TandemUtilities
import TandemWire
import TandemWireConversions

/// A `Verifier` over one WebSocket to a Tandem server (`ws://host:port/v1/assist`).
///
/// The client is the source of truth: the verifier keeps the whole agreed sequence, so when the
/// connection drops (or the server answers `resync`, `not_open` or `idle_timeout`) it reconnects,
/// re-opens with that sequence and re-sends the round. A round whose verdict was lost is computed
/// again in the new session, never applied twice, so no token is lost or repeated.
///
/// Each verdict carries the server's queue and compute times and the bytes the exchange took
/// (WebSocket frame headers and payloads, both directions); the generator derives network time as
/// round trip − server time.
public actor RemoteVerifier: RoutingVerifier {
    /// How to reach the server and how patient to be.
    public struct Configuration: Sendable {
        /// `ws://host:port` or `ws://host:port/v1/assist`.
        public var url: String
        /// The draft tokenizer's fingerprint (must match the target's).
        public var draftFingerprint: String
        /// The draft model's name, shown in the server's refusal if fingerprints differ.
        public var draftModel: String?
        /// Longest wait for a connection or an answer.
        public var timeout: Duration
        /// Reconnects tried in a row before giving up.
        public var maxReconnects: Int
        public var logger: Logger
        /// Ask the server for `provisional` frames (early-exit guesses) before verdicts.
        public var preemptive: Bool
        /// The clock the pauses between reconnects are slept on (tests pass one they move by hand).
        public var clock: any Clock<Duration>
        /// Trusted certificates for `wss://`, the required model hash, the verifier secret: checked at
        /// every open (and re-open), a failure thrown as `ClientError.tlsFailed` or `IntegrityError`.
        public var security: ClientSecurity
        /// The server's API key, sent as `Authorization: Bearer` on the upgrade (never logged).
        public var apiKey: String?

        public init(
            url: String, draftFingerprint: String, draftModel: String? = nil, timeout: Duration = .seconds(60),
            maxReconnects: Int = 3, logger: Logger = Logger(label: "tandem.client"), preemptive: Bool = false,
            clock: any Clock<Duration> = ContinuousClock(), security: ClientSecurity = ClientSecurity(),
            apiKey: String? = nil
        ) {
            self.security = security
            self.apiKey = apiKey
            self.url = url
            self.draftFingerprint = draftFingerprint
            self.draftModel = draftModel
            self.timeout = timeout
            self.maxReconnects = maxReconnects
            self.logger = logger
            self.preemptive = preemptive
            self.clock = clock
        }
    }

    public let configuration: Configuration
    private let codec = WireCodec()
    private var link: WebSocketLink?
    private var request: SessionRequest?
    private var agreed: [Int] = []
    private var needsReopen = false
    /// What the server said about the session at the last `opened`.
    public private(set) var lastOpened: OpenedMessage?
    /// Times the verifier reconnected and re-opened after a failure.
    public private(set) var reconnects = 0
    /// Bytes sent and received over the verifier's life.
    public private(set) var bytesSent = 0
    public private(set) var bytesReceived = 0
    /// Seconds of verify round trips not spent in the server (queue and compute excluded), summed.
    public private(set) var networkSeconds = 0.0
    /// Where `provisional` frames for the round in flight go (set by `verify(_:onProvisional:)`).
    private var provisionalHandler: (round: Int, handle: @Sendable (Verdict.Provisional) -> Void)?

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// The WebSocket URL, with `/v1/assist` added when the configured one has no path.
    public nonisolated var assistURL: String {
        let url = configuration.url
        guard let scheme = url.range(of: "://") else { return url }
        return url[scheme.upperBound...].contains("/") ? url : url + WireProtocol.path
    }

    public func open(_ request: SessionRequest) async throws -> SessionInfo {
        let before = bytesSent + bytesReceived
        self.request = request
        agreed = request.prompt
        needsReopen = false
        let opened = try await openSession(request)
        return opened.sessionInfo(wireBytes: bytesSent + bytesReceived - before)
    }

    public func verify(_ round: DraftRound) async throws -> Verdict {
        let before = bytesSent + bytesReceived
        return try await exchangeReopening(
            "verify",
            message: {
                .verify(
                    VerifyMessage(
                        round: round.round, base: agreed.count, drafts: round.drafts,
                        q: round.q?.map(WireDistribution.init)))
            },
            answer: { reply, roundTrip in
                guard case .verdict(let v) = reply else { return nil }
                guard v.round == round.round else {
                    throw ClientError.unexpectedMessage(
                        "verdict for round \(v.round) while awaiting round \(round.round)")
                }
                guard v.accepted >= 0, v.accepted <= round.drafts.count else {
                    throw GenerationError.invalidVerdict("accepted \(v.accepted) of \(round.drafts.count) drafts")
                }
                agreed += round.drafts[..<v.accepted]
                agreed.append(v.next)
                networkSeconds += max(0, roundTrip - (v.timings.queueMs + v.timings.computeMs) / 1000)
                return v.verdict(wireBytes: bytesSent + bytesReceived - before)
            })
    }

    /// Routing mode: sends `extend` (the client's tokens since the last exchange and the span) and
    /// returns the server's own tokens. Like `verify` it reconnects and re-opens with the whole agreed
    /// sequence when the connection drops or the server lost the session, and re-sends the request.
    public func route(_ route: RouteRequest) async throws -> RouteAnswer {
        let before = bytesSent + bytesReceived
        return try await exchangeReopening(
            "extend",
            message: {
                guard route.base == agreed.count else {
                    throw GenerationError.baseMismatch(expected: agreed.count, got: route.base)
                }
                return .extend(ExtendMessage(route))
            },
            answer: { reply, roundTrip in
                guard case .routed(let r) = reply else { return nil }
                guard r.round == route.round else {
                    throw ClientError.unexpectedMessage(
                        "routed answer for round \(r.round) while awaiting round \(route.round)")
                }
                guard !r.tokens.isEmpty, r.tokens.count <= route.span else {
                    throw GenerationError.invalidVerdict("\(r.tokens.count) routed tokens for a span of \(route.span)")
                }
                agreed += route.tokens + r.tokens
                networkSeconds += max(0, roundTrip - (r.timings.queueMs + r.timings.computeMs) / 1000)
                return r.answer(wireBytes: bytesSent + bytesReceived - before)
            })
    }

    /// Sends the request `message` builds (against the agreed sequence as it is at each attempt) and
    /// returns what `answer` makes of the reply, given the round trip in seconds (nil: the reply does not
    /// answer this request). The client is the source of truth: when the connection drops or the server
    /// lost or doubts the session (`resync`, `not_open`, `idle_timeout`), it reconnects, re-opens with the
    /// whole agreed sequence and sends the request again, pausing longer after each failure, until
    /// `maxReconnects` failures in a row. A request whose answer was lost is computed again in the new
    /// session, never applied twice.
    private func exchangeReopening<Answer>(
        _ what: String, message: () throws -> WireMessage,
        answer: (WireMessage, Double) throws -> Answer?
    ) async throws -> Answer {
        var failures = 0
        var lastFailure = ""
        while true {
            guard let request else { throw GenerationError.notOpen }
            do {
                if needsReopen || link?.isClosed != false {
                    try await reopen(request)
                }
                let outgoing = try message()
                let sent = ContinuousClock.now
                let reply = try await exchange(outgoing)
                let roundTrip = ContinuousClock.now - sent
                let seconds = roundTrip.seconds
                switch reply {
                case .error(let e) where [.resync, .notOpen, .idleTimeout].contains(e.code):
                    lastFailure = e.wireError.description
                    needsReopen = true
                    failures += 1
                case .error(let e):
                    throw e.wireError
                default:
                    guard let result = try answer(reply, seconds) else {
                        throw ClientError.unexpectedMessage("\(reply.kind) in answer to \(what)")
                    }
                    return result
                }
            } catch let error as ClientError where error.isTransport {
                lastFailure = error.description
                configuration.logger.notice("connection failed (\(error)); reconnecting")
                await dropLink()
                needsReopen = true
                failures += 1
            }
            if failures > configuration.maxReconnects {
                throw ClientError.reconnectsExhausted(attempts: failures - 1, last: lastFailure)
            }
            try await configuration.clock.sleep(for: .milliseconds(50 * (1 << min(failures, 5))))
        }
    }

    /// Verifies like `verify(_:)` and hands each `provisional` frame of this round to `onProvisional` as
    /// it arrives, before the verdict (needs `Configuration.preemptive`; after a reconnect the re-sent
    /// round may bring another one).
    public func verify(_ round: DraftRound, onProvisional: @escaping @Sendable (Verdict.Provisional) -> Void)
        async throws -> Verdict
    {
        provisionalHandler = (round.round, onProvisional)
        defer { provisionalHandler = nil }
        return try await verify(round)
    }

    public func close() async {
        if let link, !link.isClosed, let frame = try? codec.encode(.close) {
            try? await link.send(frame)
            bytesSent += Self.frameBytes(frame, masked: true)
        }
        await dropLink()
        request = nil
    }

    // MARK: -

    /// Re-opens after a failure with the whole agreed sequence and what is left of the token budget.
    private func reopen(_ original: SessionRequest) async throws {
        reconnects += 1
        let generated = agreed.count - original.prompt.count
        let resumed = SessionRequest(
            prompt: agreed, sampling: original.sampling,
            maxTokens: max(0, original.maxTokens - generated), stopTokens: original.stopTokens)
        _ = try await openSession(resumed)
        needsReopen = false
    }

    private func openSession(_ request: SessionRequest) async throws -> OpenedMessage {
        var message = OpenMessage(
            request, draftFingerprint: configuration.draftFingerprint, draftModel: configuration.draftModel)
        if configuration.preemptive { message.preemptive = true }
        let security = configuration.security
        if security.verifierSecret != nil { message.nonce = VerifierSecret.makeNonce() }
        switch try await exchange(.open(message)) {
        case .opened(let opened):
            guard opened.base == request.prompt.count else {
                throw ClientError.unexpectedMessage(
                    "opened at base \(opened.base) for a sequence of \(request.prompt.count)")
            }
            if let secret = security.verifierSecret, let nonce = message.nonce {
                guard let proof = opened.proof else {
                    await dropLink()
                    throw IntegrityError.proofMissing(address: assistURL)
                }
                guard secret.verifiesProof(proof, nonce: nonce, modelSha256: opened.modelSha256) else {
                    await dropLink()
                    throw IntegrityError.proofInvalid(address: assistURL)
                }
            }
            if let required = security.requireSha256, opened.modelSha256?.lowercased() != required {
                await dropLink()
                throw IntegrityError.modelMismatch(
                    address: assistURL, reported: opened.modelSha256, required: required)
            }
            lastOpened = opened
            return opened
        case .error(let e):
            throw e.wireError
        case let other:
            throw ClientError.unexpectedMessage("\(other.kind) in answer to open")
        }
    }

    /// Sends one message and reads the answer, connecting first when needed.
    private func exchange(_ message: WireMessage) async throws -> WireMessage {
        let link = try await connected()
        let frame = try codec.encode(message)
        try await link.send(frame)
        bytesSent += Self.frameBytes(frame, masked: true)
        while true {
            let reply = try await link.receive(timeout: configuration.timeout)
            bytesReceived += Self.frameBytes(reply, masked: false)
            let decoded = try codec.decode(reply)
            // A provisional guess precedes the verdict it anticipates; the answer is the frame after it.
            guard case .provisional(let p) = decoded else { return decoded }
            if let handler = provisionalHandler, handler.round == p.round { handler.handle(p.provisional) }
        }
    }

    private func connected() async throws -> WebSocketLink {
        if let link, !link.isClosed { return link }
        await dropLink()
        let link = try await WebSocketLink.connect(
            url: assistURL, timeout: configuration.timeout, logger: configuration.logger,
            trust: configuration.security.trust, apiKey: configuration.apiKey)
        self.link = link
        return link
    }

    private func dropLink() async {
        if let link {
            self.link = nil
            await link.close()
        }
    }

    /// A text frame's size on the wire: header (2, 4 or 10 bytes, plus a 4-byte mask from the client)
    /// and payload. TCP/IP overhead is not counted.
    static func frameBytes(_ text: String, masked: Bool) -> Int {
        let payload = text.utf8.count
        let header = payload < 126 ? 2 : payload < 65536 ? 4 : 10
        return header + (masked ? 4 : 0) + payload
    }
}
