import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TandemModel
import TandemSecurity
import TandemServer
import TandemTokenizer
import TandemWire

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a target model as a verifier for assisted generation (WebSocket /v1/assist).",
        discussion: """
            Clients holding a draft model with the same tokenizer connect at ws://HOST:PORT/v1/assist. \
            GET /health answers 200 once the model is loaded; GET /v1/models describes it; GET /metrics \
            has Prometheus metrics. Each session keeps its own KV cache; rounds of different sessions that \
            arrive while a pass runs are verified together in the next pass (continuous batching, \
            --max-batch-positions; every position's logits are the same bits as alone). \
            POST /v1/chat/completions and /v1/completions answer OpenAI clients with the target alone \
            (docs/OPENAI.md; `tandem proxy` serves the same API with assisted decoding).

            At start the model file's SHA-256 is computed (a progress line on stderr for files over \
            64 MiB) and reported in /v1/models and in each session's `opened` answer. With --register the \
            verifier announces itself to a coordinator (see tandem coordinator), heartbeats with its load, \
            registers again if the coordinator forgot it, and leaves on SIGINT/SIGTERM; while the \
            coordinator is unreachable it keeps serving and retries. The secret comes from --secret or \
            the TANDEM_SECRET environment variable.

            Clients that open with preemptive drafting (tandem generate --preemptive) get a provisional \
            verdict mid-pass, read from early-exit layer --exit-layer (default: the model's trained exit \
            head, else the middle layer through the model's own head).

            Examples:
              tandem serve --model Models/target.gguf --port 8080
              tandem generate --draft Models/draft.gguf --server ws://127.0.0.1:8080 --prompt "Hello"
              tandem serve --model Models/target.gguf --port 8080 --exit-layer 3
              tandem serve --model qwen2.5-coder-1.5b-instruct.gguf --exit-head qwen-1.5b.exit-head.gguf
              tandem serve --model Models/target.gguf --port 8080 --threads 1 --cpu 1
              tandem serve --model Models/target.gguf --max-batch-positions 128 --kv-cache f16 --kv-budget-mb 4096
              TANDEM_SECRET=s3cret tandem serve --model Models/target.gguf --port 8081 --register http://127.0.0.1:8070
              tandem serve --model t.gguf --host 0.0.0.0 --port 8081 --register http://coord:8070 --secret s3cret --advertise ws://10.0.0.5:8081
              tandem serve --model t.gguf --tls-cert server.pem --tls-key server.key --register https://coord:8070 --ca ca.pem --secret s3cret --advertise wss://verifier.example:8081
              tandem serve --model t.gguf --host 0.0.0.0 --api-keys keys.json --opens-per-minute 120
              kill -HUP <pid>    # re-read keys.json (revoke a key without a restart)

            With --tls-cert/--tls-key the server speaks only wss:// and https:// (docs/SECURITY.md). With a \
            secret (--secret or TANDEM_SECRET) it signs its coordinator registration and answers each \
            open's nonce with a proof that it holds the secret, so clients given --verifier-secret can \
            tell it from an impostor. Without --api-keys (or TANDEM_API_KEYS) the server listens on \
            loopback only unless --insecure-open is given; with keys every /v1/assist upgrade and /v1/ \
            request needs Authorization: Bearer KEY (401 otherwise), and each key's limits apply.
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp("The target model (GGUF file or installed model name).", valueName: "file|name"),
        transform: modelFileArgument)
    var model: String

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Pin the model's compute to CPU N (Linux only; e.g. two 'devices' on one machine).", valueName: "N"))
    var cpu: Int?

    @Option(name: .long, help: "Most sessions open at once (one KV cache each).")
    var maxSessions = 8

    @Option(name: .long, help: "Most draft tokens in one verification round.")
    var maxWindow = 16

    @Option(name: .long, help: "Most tokens in a session (default: the model's context length).")
    var maxContext: Int?

    @Option(
        name: .long,
        help: "Seconds a silent session (or an idle keep-alive HTTP connection) is kept before it is closed.")
    var idleTimeout: Double = 300

    @Option(
        name: .long,
        help: "Seconds a new connection has to send a whole request head (WebSocket upgrade or HTTP request); then 408."
    )
    var headTimeout: Double = 30

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Register with the coordinator at this URL and heartbeat to it.", valueName: "http://HOST:PORT"))
    var register: String?

    @Option(name: .long, help: "The coordinator's shared secret (default: $TANDEM_SECRET).")
    var secret: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The address clients should use (default: ws://HOST:PORT as bound).", valueName: "ws://HOST:PORT"))
    var advertise: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Layer whose early exit makes provisional verdicts (1…layers; default: the trained exit head, else the middle).",
            valueName: "L"))
    var exitLayer: Int?

    @OptionGroup(title: "TLS")
    var tls: TLSServerOptions

    @OptionGroup(title: "Trust (the coordinator's https:// certificate)")
    var trust: TrustOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A trained exit-head side file (tools/train/fit_exit_head.py): provisional verdicts read through it at its layer.",
            valueName: "file"))
    var exitHead: String?

    @OptionGroup(title: "Batching and KV memory")
    var engine: ServeEngineOptions

    @OptionGroup(title: "Access (docs/SECURITY.md)")
    var accessOptions: AccessOptions

    @OptionGroup(title: "Caps (docs/SECURITY.md)")
    var caps: ServeCapOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535") }
        guard maxSessions >= 1 else { throw ValidationError("--max-sessions must be ≥ 1") }
        guard (1...256).contains(maxWindow) else { throw ValidationError("--max-window must be in 1…256") }
        guard maxContext.map({ $0 >= 2 }) ?? true else { throw ValidationError("--max-context must be ≥ 2") }
        // Bounded so the Duration it becomes cannot overflow (1e17 s used to trap).
        guard idleTimeout > 0, idleTimeout.isFinite, idleTimeout <= 31_536_000 else {
            throw ValidationError(
                "--idle-timeout must be > 0 and at most 31536000 seconds (a year), got \(idleTimeout)")
        }
        guard headTimeout > 0, headTimeout.isFinite, headTimeout <= 3600 else {
            throw ValidationError("--head-timeout must be > 0 and at most 3600 seconds, got \(headTimeout)")
        }
    }

    /// The registration options make sense together (checked in `run`, so a mistake exits with status 1).
    private func checkRegistrationOptions() throws {
        if let register {
            guard let url = URL(string: register), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw CommandLineError("--register must be the coordinator's http://HOST:PORT, got \"\(register)\"")
            }
            guard SharedSecret.resolve(secret) != nil else {
                throw CommandLineError(
                    "--register needs the coordinator's secret: --secret S or \(SharedSecret.environmentVariable)")
            }
            if advertise == nil, ["0.0.0.0", "::", "[::]"].contains(host) {
                throw CommandLineError(
                    "listening on \(host): pass --advertise ws://REACHABLE-HOST:PORT so clients know where to connect")
            }
        } else if advertise != nil {
            throw CommandLineError("--advertise only matters with --register")
        }
        if let advertise {
            do {
                try RegistryValidation.address(advertise)
            } catch {
                throw CommandLineError("--advertise: \(error)")
            }
        }
    }

    func run() async throws {
        let target: TargetModel
        let sha256: String
        // TLS files are read before the model loads: a bad one exits at once, naming the file.
        var loaded: (ServerTLS?, ClientTrust)?
        try reportingErrors { loaded = (try self.tls.load(), try trust.trust()) }
        guard let (tls, clientTrust) = loaded else { throw ExitCode.failure }
        let access: ServerAccess
        do {
            try checkRegistrationOptions()
            access = try accessOptions.access()
            try access.checkBinding(host: host)
            var options = try ModelRunOptions.parse([])
            options.model = model
            options.threads = threads
            if let cpu { try CPUOption.pinProcess(cpu) }
            let loaded = try options.loadModel(path: model, exitHead: exitHead)
            if let cpu { try CPUOption.pin(loaded, to: cpu) }
            guard let tokenizer = TokenText.tokenizer(for: loaded.file) else {
                throw CommandLineError(
                    "\(model) has no usable tokenizer; a verifier needs one so drafts can be matched to it")
            }
            sha256 = try Self.hash(model)
            let id = (model as NSString).lastPathComponent
            if let exitLayer {
                guard (1...loaded.config.layerCount).contains(exitLayer) else {
                    throw CommandLineError(
                        "--exit-layer \(exitLayer) is outside \(id)'s layers 1…\(loaded.config.layerCount)")
                }
            }
            target = try TargetModel(
                model: loaded, id: id, tokenizer: tokenizer, exitLayer: exitLayer, serving: engine.serving,
                sha256: sha256)
        } catch {
            throw ErrorReport.exitCode(for: error)
        }
        let limits = caps.applied(
            to: ServerLimits(
                maxSessions: maxSessions, maxWindow: maxWindow, contextLength: maxContext,
                idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
                requestHeadTimeout: .milliseconds(Int64(headTimeout * 1000))))
        var logger = Logger(label: "tandem.serve")
        logger.logLevel = .notice
        let server = VerifierServer(
            model: target, limits: limits, host: host, port: port, logger: logger,
            security: ServerSecurity(tls: tls, secret: SharedSecret.resolve(secret).flatMap(VerifierSecret.init)),
            access: access)
        let reload = access.keys.map { KeyReloadSignal.install($0, logger: logger) }
        defer { reload?.cancel() }
        let host = self.host
        let (ws, http) = tls == nil ? ("ws", "http") : ("wss", "https")
        let registration = registrationPlan(target: target, sha256: sha256, scheme: ws, trust: clientTrust)
        // The server and (with --register) the coordinator registration run as services of one group:
        // SIGINT/SIGTERM shut them down gracefully, the registration first (it deregisters).
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = try server.service { port in
            print(
                "tandem: serving \(target.id) (vocabulary \(target.vocabularySize), context \(target.contextLength)) "
                    + "at \(ws)://\(host):\(port)/v1/assist — health: \(http)://\(host):\(port)/health — sha256 \(sha256)"
            )
            print("tandem: \(access.summary)")
            fflush(nil)
            portSink.yield(port)
            portSink.finish()
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)]
        if let registration {
            let agent = RegistrationService(ports: ports, registration: registration, load: { server.currentLoad })
            services.append(.init(service: agent, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await reportingErrors { try await group.run() }
    }

    /// The registration for the bound port, when --register was given.
    private func registrationPlan(target: TargetModel, sha256: String, scheme: String, trust: ClientTrust)
        -> (@Sendable (Int) -> CoordinatorRegistration)?
    {
        guard let register, let secret = SharedSecret.resolve(secret) else { return nil }
        let advertise = self.advertise
        let host = self.host
        let capacity = maxSessions
        let contextLength = min(maxContext ?? target.contextLength, target.contextLength)
        let logger: Logger = {
            var logger = Logger(label: "tandem.register")
            logger.logLevel = .notice
            return logger
        }()
        return { port in
            let address = advertise ?? "\(scheme)://\(host):\(port)"
            let announce = VerifierRegistration(
                address: address, model: target.id, tokenizerFingerprint: target.fingerprint,
                modelSha256: sha256, contextLength: contextLength, capacity: capacity)
            return CoordinatorRegistration(
                coordinator: register, secret: secret, registration: announce, logger: logger, trust: trust)
        }
    }

    /// The model file's SHA-256, with a progress line on stderr for files over 64 MiB.
    private static func hash(_ path: String) throws -> String {
        var lastPercent = -1
        let name = (path as NSString).lastPathComponent
        let digest = try ModelFileDigest.sha256(path: path) { done, total in
            guard total > 64 << 20 else { return }
            let percent = Int(done * 100 / max(1, total))
            guard percent / 10 != lastPercent / 10 else { return }
            lastPercent = percent
            FileHandle.standardError.write(Data("\rhashing \(name): \(percent)% of \(total >> 20) MiB".utf8))
            if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        return digest
    }
}
