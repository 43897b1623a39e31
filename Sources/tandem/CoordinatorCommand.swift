import ArgumentParser
import Foundation
import Logging
import TandemCoordinator
import TandemSecurity

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a coordinator: a registry of verifiers that clients ask where to go (no inference).",
        discussion: """
            Verifiers started with `tandem serve --register http://HOST:PORT` announce themselves (address, \
            model, tokenizer fingerprint, model file SHA-256, context length, capacity) and heartbeat with \
            their load; one silent for --heartbeat-timeout seconds is dropped (it registers again when it \
            comes back). Registering, heartbeats and leaving need the shared secret (--secret or the \
            TANDEM_SECRET environment variable) as a bearer token; a registration claiming another model \
            hash for a live address is refused (409).

            Endpoints: POST /v1/verifiers, POST /v1/verifiers/ID/heartbeat, DELETE /v1/verifiers/ID, \
            GET /v1/verifiers?tokenizer_fingerprint=F&model_sha256=H (compatible, healthy verifiers, least loaded first; \
            no secret needed), GET /health. Registration attempts are rate-limited per remote address \
            (--registrations-per-minute, 429) and the registry holds at most --max-verifiers (503 when full).

            Examples:
              TANDEM_SECRET=s3cret tandem coordinator --port 8070
              tandem serve --model Models/target.gguf --port 8081 --register http://127.0.0.1:8070   # with TANDEM_SECRET set
              tandem generate --draft Models/draft.gguf --coordinator http://127.0.0.1:8070 --prompt "Return the"
              curl 'http://127.0.0.1:8070/v1/verifiers?tokenizer_fingerprint=FP'
              tandem coordinator --port 8070 --tls-cert coord.pem --tls-key coord.key   # https:// only

            Verifiers sign their entries with the secret (signed_at, signature); a client given \
            --verifier-secret refuses entries not signed with it (docs/SECURITY.md).
            """
    )

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port).")
    var port = 8070

    @Option(name: .long, help: "Shared secret verifiers must present (default: $TANDEM_SECRET).")
    var secret: String?

    @Option(
        name: .long,
        help: "Seconds without a heartbeat before a verifier is dropped (verifiers beat every third of it).")
    var heartbeatTimeout: Double = 10

    @OptionGroup(title: "TLS")
    var tls: TLSServerOptions

    @OptionGroup(title: "Caps (docs/SECURITY.md)") var caps: CoordinatorCapOptions

    func run() async throws {
        var resolved: String?
        var identity: ServerTLS?
        try reportingErrors {
            identity = try tls.load()
            guard (0...65535).contains(port) else { throw CommandLineError("--port must be in 0…65535") }
            guard heartbeatTimeout.isFinite, heartbeatTimeout >= 0.1, heartbeatTimeout <= 86400 else {
                throw CommandLineError("--heartbeat-timeout must be between 0.1 and 86400 seconds")
            }
            resolved = SharedSecret.resolve(secret)
            guard resolved != nil else {
                throw CommandLineError(
                    "a coordinator needs a shared secret: pass --secret S or set \(SharedSecret.environmentVariable)")
            }
        }
        guard let secret = resolved else { throw ExitCode.failure }
        var logger = Logger(label: "tandem.coordinator")
        logger.logLevel = .notice
        let registry = VerifierRegistry(
            secret: secret, heartbeatTimeout: .milliseconds(Int64(heartbeatTimeout * 1000)),
            capacity: caps.maxVerifiers)
        let server = CoordinatorServer(
            registry: registry, host: host, port: port, logger: logger,
            throttle: RegistrationThrottle(attemptsPerMinute: caps.registrationsPerMinute), tls: identity)
        let host = self.host
        let scheme = identity == nil ? "http" : "https"
        try await reportingErrors {
            try await server.run(handlingSignals: true) { port in
                print(
                    "tandem: coordinator at \(scheme)://\(host):\(port) — list: \(scheme)://\(host):\(port)/v1/verifiers"
                )
                fflush(nil)
            }
        }
    }
}
