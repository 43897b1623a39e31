import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import TandemModel
import TandemOpenAI
import TandemOpenAIRoutes
import TandemSecurity
import TandemTokenizer

/// A local OpenAI-compatible server whose every completion is made by assisted decoding: the draft
/// runs here, a verifier checks its windows. Apps point their base URL at it
/// (`http://127.0.0.1:8000/v1`) and see an ordinary OpenAI server that streams.
///
/// Endpoints: `POST /v1/chat/completions`, `POST /v1/completions`, `GET /v1/models`, `GET /health`,
/// `GET /metrics` (the assisted stats of all completions, Prometheus text).
///
/// ```swift
/// let proxy = AssistedProxy(
///     draft: draft, draftName: "qwen2.5-coder-0.5b-instruct.gguf", tokenizer: tokenizer,
///     configuration: ProxyConfiguration(verification: .resilient(VerifierDirectory(.addresses(["ws://h:8080"])), requireSha256: nil)),
///     port: 8000)
/// let running = try await proxy.start()
/// ```
public struct AssistedProxy: Sendable {
    public let model: ServedModel
    /// The same completions as a Swift chat surface (shares this proxy's backend and metrics).
    public var chat: AssistedChat { AssistedChat(model: model, backend: backend) }
    public let host: String
    public let port: Int
    /// Serve `https://` with this identity; `nil`: plain `http://`.
    public let tls: ServerTLS?
    let backend: AssistedCompletionBackend
    let logger: Logger

    /// - Parameters:
    ///   - modelName: the name in `/v1/models` and responses (default: `draftName`).
    ///   - aliases: more names listed in `/v1/models` (vLLM's `--served-model-name`, llama.cpp's `--alias`).
    ///   - acceptsAnyModelName: answer to any `model` a request names, echoing it, as llama.cpp's
    ///     server does (the default: an app that sends the verifier's id or `gpt-4o` works unchanged);
    ///     false: names other than `modelName` (else `draftName`) and its aliases are 404, as vLLM does.
    ///   - chatFormat: replaces the chat format recognised from the draft file's template.
    ///   - port: 0 picks an ephemeral port (read it from `start()`'s answer).
    ///   - tls: serve `https://` only, with this certificate and key.
    public init(
        draft: Model, draftName: String, tokenizer: Tokenizer, configuration: ProxyConfiguration,
        modelName: String? = nil, aliases: [String] = [], acceptsAnyModelName: Bool = true,
        chatFormat: ChatFormat? = nil, host: String = "127.0.0.1", port: Int = 8000,
        logger: Logger = Logger(label: "tandem.proxy"), tls: ServerTLS? = nil
    ) {
        self.tls = tls
        var model = ServedModel(
            id: modelName ?? draftName, contextLength: draft.config.contextLength, tokenizer: tokenizer,
            chatFormat: chatFormat)
        model.aliases = aliases
        model.acceptsAnyName = acceptsAnyModelName
        self.model = model
        backend = AssistedCompletionBackend(
            draft: draft, draftName: draftName, tokenizer: tokenizer, configuration: configuration,
            metrics: ProxyMetrics())
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Runs until the task is cancelled (or, with `handlingSignals`, until SIGINT/SIGTERM);
    /// `onRunning` gets the bound port.
    public func run(handlingSignals: Bool = false, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        async throws
    {
        let router = Router()
        let metrics = backend.metrics
        router.get("health") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        OpenAIRoutes(model: model, backend: backend).mount(on: router)
        let app = Application(
            router: router,
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0.configuration) } ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: "tandem-proxy"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
        if handlingSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
    }

    /// Starts the proxy on a new task and returns once it listens.
    public func start() async throws -> RunningProxy {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await run { port in continuation.yield(port) }
        }
        for await port in ports {
            return RunningProxy(host: host, port: port, task: task, secure: tls != nil)
        }
        try await task.value
        throw OpenAIError.server("the proxy stopped before listening on \(host):\(port)")
    }
}

/// A proxy started with `AssistedProxy.start()`.
public struct RunningProxy: Sendable {
    public let host: String
    /// The bound port.
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

    /// `http://host:port` (`https://` with TLS; an OpenAI client's base URL is this plus `/v1`).
    public var httpURL: String { "\(secure ? "https" : "http")://\(host):\(port)" }

    /// Stops the proxy and waits for it.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
