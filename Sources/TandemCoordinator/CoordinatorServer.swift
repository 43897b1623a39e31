import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import TandemSecurity
import TandemWire

/// The coordinator: a registry of verifiers over HTTP (see `RegistryAPI` for the endpoints). It does
/// no inference; clients ask it where to go and verifiers tell it they are alive.
///
/// ```swift
/// let running = try await CoordinatorServer(registry: VerifierRegistry(secret: "s"), port: 0).start()
/// // verifiers register at running.url; clients list at running.url + "/v1/verifiers?tokenizer_fingerprint=…"
/// await running.stop()
/// ```
public struct CoordinatorServer: Sendable {
    public let registry: VerifierRegistry
    public let host: String
    public let port: Int
    /// The rate of registration attempts per remote address.
    public let throttle: RegistrationThrottle
    let logger: Logger
    /// Serve `https://` with this identity; `nil`: plain `http://`.
    public let tls: ServerTLS?

    /// - Parameters:
    ///   - port: 0 picks an ephemeral port (read it from `start()`'s answer).
    ///   - throttle: registration attempts allowed per remote address.
    ///   - tls: serve `https://` only, with this certificate and key.
    public init(
        registry: VerifierRegistry, host: String = "127.0.0.1", port: Int = 8070,
        logger: Logger = Logger(label: "tandem.coordinator"), throttle: RegistrationThrottle = RegistrationThrottle(),
        tls: ServerTLS? = nil
    ) {
        self.throttle = throttle
        self.tls = tls
        self.registry = registry
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Runs until the task is cancelled (or, with `handlingSignals`, until SIGINT/SIGTERM); `onRunning`
    /// gets the bound port. Stale verifiers are pruned (and logged) every third of the heartbeat timeout.
    public func run(handlingSignals: Bool = false, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        async throws
    {
        let app = Application(
            router: Self.router(registry, throttle: throttle, logger: logger),
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0.configuration) } ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: "tandem-coordinator"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [registry, logger] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: registry.heartbeatTimeout / 3)
                    for address in registry.prune() {
                        logger.notice("dropped \(address): no heartbeat for \(registry.heartbeatTimeout)")
                    }
                }
            }
            if handlingSignals {
                try await app.runService()
            } else {
                try await app.run()
            }
            group.cancelAll()
        }
    }

    /// Starts the coordinator on a new task and returns once it listens.
    public func start() async throws -> RunningCoordinator {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await run { port in continuation.yield(port) }
        }
        for await port in ports {
            return RunningCoordinator(host: host, port: port, task: task, secure: tls != nil)
        }
        try await task.value
        throw RegistryError.invalid("the coordinator stopped before listening on \(host):\(port)")
    }

    static func router(
        _ registry: VerifierRegistry, throttle: RegistrationThrottle, logger: Logger
    ) -> Router<CoordinatorRequestContext> {
        let router = Router(context: CoordinatorRequestContext.self)
        router.add(middleware: RegistrationThrottleMiddleware(throttle: throttle, logger: logger))
        router.add(middleware: BearerSecretMiddleware(registry: registry, logger: logger))
        router.get("health") { _, _ -> Response in
            json(["status": "ok", "verifiers": "\(registry.count)"])
        }
        router.get("v1/verifiers") { request, _ -> Response in
            let query = request.uri.queryParameters
            let fingerprint = query["tokenizer_fingerprint"].map(String.init)
            let sha256 = query["model_sha256"].map(String.init)
            if let sha256, !RegistryValidation.isSHA256(sha256.lowercased()) {
                return refusal(.invalid("model_sha256 must be 64 hex digits"))
            }
            return json(VerifierListing(verifiers: registry.list(fingerprint: fingerprint, sha256: sha256)))
        }
        router.post("v1/verifiers") { request, _ -> Response in
            await answer(request, logger: logger) { request in
                let registration: VerifierRegistration = try await body(request)
                let answer = try registry.register(registration)
                logger.notice(
                    "registered \(registration.address) as \(answer.id) (\(registration.model), sha256 \(registration.modelSha256.prefix(12))…)"
                )
                return json(answer, status: .created)
            }
        }
        router.post("v1/verifiers/:id/heartbeat") { request, context -> Response in
            await answer(request, logger: logger) { request in
                let id = context.parameters.get("id") ?? ""
                let heartbeat: VerifierHeartbeat = try await body(request)
                return json(try registry.heartbeat(id: id, heartbeat))
            }
        }
        router.delete("v1/verifiers/:id") { request, context -> Response in
            await answer(request, logger: logger) { request in
                let id = context.parameters.get("id") ?? ""
                try registry.remove(id: id)
                logger.notice("\(id) left")
                return json(["status": "removed"])
            }
        }
        return router
    }

    /// Runs a handler, turning a `RegistryError` into its status and a JSON error body.
    private static func answer(
        _ request: Request, logger: Logger,
        _ handler: (Request) async throws -> Response
    ) async -> Response {
        do {
            return try await handler(request)
        } catch let error as RegistryError {
            if case .hashChanged = error { logger.warning("\(error)") }
            return refusal(error)
        } catch {
            return refusal(.invalid("\(error)"))
        }
    }

    /// The JSON body of `request`, at most `RegistryAPI.maxBodyBytes`.
    private static func body<T: Decodable>(_ request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: RegistryAPI.maxBodyBytes)
        } catch {
            throw RegistryError.invalid("the body is larger than \(RegistryAPI.maxBodyBytes) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw RegistryError.invalid("malformed \(T.self) JSON: \(RegistryAPI.describe(error))")
        }
    }

    static func refusal(_ error: RegistryError) -> Response {
        json(RegistryErrorBody(error: error.description), status: HTTPResponse.Status(code: error.httpStatus))
    }

    private static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A coordinator started with `CoordinatorServer.start()`.
public struct RunningCoordinator: Sendable {
    public let host: String
    /// The bound port (the ephemeral one when started with port 0).
    public let port: Int
    let task: Task<Void, any Error>
    /// True when it serves `https://`.
    public var secure = false

    init(host: String, port: Int, task: Task<Void, any Error>, secure: Bool = false) {
        self.host = host
        self.port = port
        self.task = task
        self.secure = secure
    }

    /// `http://host:port` (`https://` with TLS).
    public var url: String { "\(secure ? "https" : "http")://\(host):\(port)" }

    /// Stops the coordinator and waits for it.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
