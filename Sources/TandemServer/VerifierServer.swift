import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import TandemOpenAIRoutes
import TandemSecurity
import TandemUtilities
import TandemWire

/// The verifier server: WebSocket sessions at `/v1/assist`, and `GET /health`, `GET /v1/models`,
/// `GET /metrics` (Prometheus text); with a tokenizer, the OpenAI-compatible `POST /v1/chat/completions`
/// and `POST /v1/completions` (target-only generation, docs/OPENAI.md).
///
/// ```swift
/// let server = VerifierServer(model: target, port: 0)
/// let running = try await server.start()      // bound; running.port is the real port
/// // … clients connect to running.url …
/// await running.stop()
/// ```
///
/// With `ServerSecurity.tls` it serves `wss://` and `https://` only; with `ServerSecurity.secret` it
/// answers an `open` nonce with a proof that it holds the coordinator's shared secret.
public struct VerifierServer: Sendable {
    public let model: TargetModel
    public let limits: ServerLimits
    public let host: String
    public let port: Int
    /// TLS and the shared secret (docs/SECURITY.md).
    public let security: ServerSecurity
    let faults: FaultInjection
    /// API keys and whether the server may listen beyond loopback without them.
    public let access: ServerAccess
    let logger: Logger
    let slots: SessionSlots
    let load = LoadTracker()
    /// The clock idle timeouts are measured on.
    let clock: any Clock<Duration>

    /// - Parameters:
    ///   - port: 0 picks an ephemeral port (read it from `start()`'s answer).
    ///   - faults: injected faults, for tests.
    ///   - clock: the clock idle timeouts and rate limits are measured on (tests pass one they move by hand).
    ///   - security: TLS (`wss://`, `https://`) and the secret the server proves itself with.
    ///   - access: API keys; without them the server listens on loopback only unless `insecureOpen`.
    public init(
        model: TargetModel, limits: ServerLimits = ServerLimits(), host: String = "127.0.0.1", port: Int = 8080,
        faults: FaultInjection = FaultInjection(), logger: Logger = Logger(label: "tandem.server"),
        clock: any Clock<Duration> = ContinuousClock(), security: ServerSecurity = ServerSecurity(),
        access: ServerAccess = ServerAccess()
    ) {
        self.model = model
        self.security = security
        self.access = access
        self.limits = limits
        self.host = host
        self.port = port
        self.faults = faults
        self.logger = logger
        self.clock = clock
        slots = SessionSlots(limit: max(0, limits.maxSessions))
    }

    /// The load a coordinator is told about: open sessions, rounds in flight, tokens/s over 10 s.
    public var currentLoad: VerifierLoad {
        VerifierLoad(activeSessions: slots.openCount, queuedRounds: load.inFlight, tokensPerS: load.tokensPerSecond())
    }

    /// Runs the server until the task is cancelled (or, with `handlingSignals`, until SIGINT/SIGTERM,
    /// then shuts down gracefully); `onRunning` gets the bound port. Throws `ServerAccessError` before
    /// binding a non-loopback host without keys or `insecureOpen`.
    public func run(handlingSignals: Bool = false, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        async throws
    {
        try access.checkBinding(host: host)
        let app = try application(onRunning: onRunning)
        if handlingSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
    }

    /// The server as a `Service`, to run in a `ServiceGroup` beside others (the coordinator
    /// registration); it shuts down gracefully with the group. `onRunning` gets the bound port.
    /// Throws `ServerAccessError` for a non-loopback host without keys or `insecureOpen`, and TLS setup
    /// errors.
    public func service(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some Service {
        try access.checkBinding(host: host)
        return try application(onRunning: onRunning)
    }

    private func application(onRunning: @escaping @Sendable (Int) async -> Void) throws -> some ApplicationProtocol {
        let metrics = ServerMetrics()
        let elapsed = ElapsedClock(clock)
        let context = ServerContext(
            model: model, limits: limits, faults: faults,
            slots: slots, metrics: metrics, load: load, clock: elapsed, secret: security.secret,
            access: AccessControl(keyring: access.keys, limits: limits, metrics: metrics, clock: elapsed))
        if let batcher = model.batcher {
            batcher.addObserver { [metrics = context.metrics, budget = model.kvBudget] pass in
                metrics.record(pass)
                if let budget { metrics.kvBytesUsed.record(budget.usedBytes) }
            }
        }
        let logger = self.logger
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            // Keep-alive HTTP connections idle as long as WebSocket sessions may.
            http1: .init(idleTimeout: TimeAmount(limits.idleTimeout)),
            ws: .init(maxFrameSize: max(1024, limits.maxFrameBytes)))
        let shouldUpgrade:
            @Sendable (HTTPRequest, any Channel, Logger) async throws -> ShouldUpgradeResult<
                WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
            > = { request, channel, logger in
                guard request.path?.split(separator: "?").first.map(String.init) == WireProtocol.path else {
                    return .dontUpgrade
                }
                // A refused key is not upgraded: the request reaches the router, whose key check answers
                // it with 401 in OpenAI's shape (`APIKeyMiddleware`).
                guard case .success(let grant) = context.access.authorize(request.headerFields[.authorization]) else {
                    return .dontUpgrade
                }
                return .upgrade([:]) { inbound, outbound, _ in
                    let connection = AssistConnection(context: context, channel: channel, logger: logger, grant: grant)
                    await connection.run(inbound: inbound, outbound: outbound)
                }
            }
        let headTimeout = limits.requestHeadTimeout
        let plain = HTTPServerBuilder { responder in
            GuardedHTTPChannel(
                HTTP1WebSocketUpgradeChannel(
                    responder: responder, configuration: configuration, shouldUpgrade: shouldUpgrade),
                timeout: headTimeout)
        }
        let app = Application(
            router: Self.router(context),
            server: try security.tls.map { try .tls(plain, tlsConfiguration: $0.configuration) } ?? plain,
            configuration: .init(address: .hostname(host, port: port), serverName: "tandem"),
            onServerRunning: { channel in
                await onRunning(channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
        return app
    }

    /// Starts the server on a new task and returns once it listens.
    public func start() async throws -> RunningServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await run { port in continuation.yield(port) }
        }
        for await port in ports {
            return RunningServer(host: host, port: port, task: task, secure: security.tls != nil)
        }
        // The server stopped before it listened: surface why.
        try await task.value
        throw WireError(.internal, "the server stopped before listening on \(host):\(port)")
    }

    static func router(_ context: ServerContext) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: APIKeyMiddleware(access: context.access))
        let created = Int(Date().timeIntervalSince1970)
        let contextLength = min(
            context.limits.contextLength ?? context.model.contextLength, context.model.contextLength)
        router.get("health") { _, _ -> Response in
            json(["status": "ok"])
        }
        router.get("v1/models") { _, _ -> Response in
            let model = context.model
            let entry = ModelEntry(
                id: model.id, object: "model", ownedBy: "tandem",
                tokenizerFingerprint: model.fingerprint,
                contextLength: contextLength,
                vocabularySize: model.vocabularySize, maxWindow: context.limits.maxWindow,
                sha256: model.sha256, created: created)
            return json(ModelList(object: "list", data: [entry]))
        }
        if let tokenizer = context.model.tokenizer {
            let served = ServedModel(
                id: context.model.id, contextLength: contextLength, tokenizer: tokenizer,
                chatFormat: context.model.chatFormat)
            OpenAIRoutes(
                model: served, backend: CloudCompletionBackend(context: context),
                maxBodyBytes: context.limits.maxBodyBytes
            ).mount(on: router, models: false)
        }
        // Reached only when the upgrade was not made (a plain GET, or a key the upgrade refused and the
        // middleware answered already).
        router.get("v1/assist") { _, _ -> Response in
            Response(
                status: .badRequest, headers: [.contentType: "application/json"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(
                        string: #"{"error":"this path serves WebSocket sessions: send an Upgrade: websocket request"}"#)
                )
            )
        }
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: context.metrics.render())))
        }
        return router
    }

    private static func json(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `/v1/models`' answer.
struct ModelList: Encodable {
    var object: String
    var data: [ModelEntry]
}

struct ModelEntry: Encodable {
    var id: String
    var object: String
    var ownedBy: String
    var tokenizerFingerprint: String
    var contextLength: Int
    var vocabularySize: Int
    var maxWindow: Int
    var sha256: String?
    var created: Int

    enum CodingKeys: String, CodingKey {
        case id, object, created
        case ownedBy = "owned_by"
        case tokenizerFingerprint = "tokenizer_fingerprint"
        case contextLength = "context_length"
        case vocabularySize = "vocabulary_size"
        case maxWindow = "max_window"
        case sha256
    }
}

/// A server started with `VerifierServer.start()`.
public struct RunningServer: Sendable {
    public let host: String
    /// The bound port (the ephemeral one when started with port 0).
    public let port: Int
    let task: Task<Void, any Error>
    /// True when it serves TLS (`wss://`, `https://`).
    public var secure = false

    init(host: String, port: Int, task: Task<Void, any Error>, secure: Bool = false) {
        self.host = host
        self.port = port
        self.task = task
        self.secure = secure
    }

    /// `ws://host:port/v1/assist` (`wss://` with TLS).
    public var assistURL: String { "\(secure ? "wss" : "ws")://\(host):\(port)\(WireProtocol.path)" }
    /// `http://host:port` (`https://` with TLS).
    public var httpURL: String { "\(secure ? "https" : "http")://\(host):\(port)" }

    /// Stops the server (graceful shutdown) and waits for it.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
