import ArgumentParser
import Foundation
import Logging
import TandemClient
import TandemDecoding
import TandemProxy
import TandemSecurity
import TandemTokenizer
import TandemWire

/// `tandem proxy`: a local OpenAI-compatible server whose completions are assisted decoding (the
/// library's `AssistedProxy`); this command only parses options and prints where it listens.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Serve the OpenAI API on localhost; every completion is drafted here and verified by a server.",
        discussion: """
            Apps that speak the OpenAI HTTP API point their base URL at http://HOST:PORT/v1. Endpoints: \
            POST /v1/chat/completions and /v1/completions (stream: true sends server-sent events as soon \
            as tokens are final), GET /v1/models, /health, /metrics. Each request gets its own session; \
            each response carries an extension field "tandem" with acceptance_rate, tokens_per_round, \
            cloud_passes_per_token and local_tokens. In greedy mode (temperature 0) the text equals the \
            verifier's own /v1/chat/completions answer. See docs/OPENAI.md.

            With --server (one or several, comma-separated) or --coordinator the proxy fails over between \
            verifiers and continues with the draft alone while none answers (the stats count those \
            local_tokens); --preemptive, --proactive and --mode route take one --server. --local-only uses no \
            verifier.

            Examples:
              tandem serve --model Models/target.gguf --port 8080 &
              tandem proxy --draft Models/draft.gguf --server ws://127.0.0.1:8080 --port 8000
              curl -N http://127.0.0.1:8000/v1/chat/completions -H 'content-type: application/json' \\
                -d '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":32,"temperature":0,"stream":true}'
              tandem proxy --draft qwen2.5-coder-0.5b-instruct --coordinator http://127.0.0.1:8070
              tandem proxy --draft Models/draft.gguf --server ws://127.0.0.1:8080 --proactive --window 4
              tandem proxy --draft Models/draft.gguf --server ws://127.0.0.1:8080 --mode route --threshold 0.4
              tandem proxy --draft Models/draft.gguf --local-only
              tandem proxy --draft d.gguf --server wss://verifier.example:8443 --ca ca.pem --require-sha256 HEX --verifier-secret S
              tandem proxy --draft d.gguf --server ws://h:8080 --tls-cert proxy.pem --tls-key proxy.key   # https:// for apps
              TANDEM_API_KEY=… tandem proxy --draft Models/draft.gguf --server ws://verifier:8080   # a keyed verifier
              tandem proxy --draft d.gguf --server ws://h:8080 --model-name qwen2.5-coder-1.5b-instruct --model-name gpt-4o --strict-model-name

            The proxy answers to whatever model name a request sends and echoes it (llama.cpp's server does \
            the same with one model), so an app that sends the verifier's model id or a fixed name works \
            unchanged; --strict-model-name refuses names other than --model-name's (default: the draft \
            file's name).

            --require-sha256 refuses a verifier serving another model file on every path (one server, a \
            list, a coordinator); --verifier-secret refuses a verifier that cannot prove it holds the \
            coordinator's secret, and coordinator entries not signed with it; --ca trusts a private CA for \
            wss:// and https:// (docs/SECURITY.md).
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp("The draft model (GGUF file or installed model name).", valueName: "file|name"),
        transform: modelFileArgument)
    var draft: String

    @Option(name: .long, help: ArgumentHelp("Verifier server(s), ws://HOST:PORT[,ws://…].", valueName: "url"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("A coordinator to ask for verifiers.", valueName: "http://HOST:PORT"))
    var coordinator: String?

    @Flag(name: .long, help: "No verifier: the draft alone (its own text, not the target's).")
    var localOnly = false

    @Option(name: .long, help: ArgumentHelp("Use only verifiers whose model file has this SHA-256.", valueName: "hex"))
    var requireSha256: String?

    @OptionGroup(title: "Verifier access") var upstreamKey: APIKeyOption

    @Option(
        name: .long, help: ArgumentHelp("Drafts per round: N, doubling or adaptive.", valueName: "N|doubling|adaptive"))
    var window = "adaptive"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "assist (the draft proposes, the server verifies) or route (the draft writes, the server answers its unsure positions; one --server).",
            valueName: "assist|route"))
    var mode = "assist"

    @Option(name: .long, help: "Route mode: route a position when the draft's confidence is below this.")
    var threshold: Double = 0.4

    @Option(name: .long, help: "Route mode: the confidence score: top-prob, margin or entropy.")
    var score = "top-prob"

    @Option(name: .long, help: "Route mode: most routed share of the generated tokens, in [0, 1].")
    var routeBudget: Double = 1

    @Flag(name: .long, help: "Draft the next window on the server's early-exit guess (one --server).")
    var preemptive = false

    @Flag(name: .long, help: "Draft the next window while the current one is verified (one --server).")
    var proactive = false

    @Option(name: .long, help: "Local tokens between attempts to reach a verifier again.")
    var retryEvery = 8

    @Option(
        name: .long,
        help: "Seconds to wait for a verifier's connection or answer before trying the next (or the draft alone).")
    var timeout: Double = 10

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The model name the proxy reports (default: the draft file's name); repeat it for aliases, each listed in /v1/models.",
            valueName: "name"))
    var modelName: [String] = []

    @Flag(
        name: .long,
        help:
            "Refuse (404 model_not_found) requests naming another model, as vLLM does; by default any name is served and echoed, as llama.cpp's server does."
    )
    var strictModelName = false

    @Option(
        name: .customLong("chat-format"),
        help:
            "Chat format instead of the one in the draft file's template: \(ChatFormat.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var chatFormat: String?

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port).")
    var port = 8000

    @Option(name: .long, help: "Draft compute threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp("Pin the draft's compute to CPU N (Linux only).", valueName: "N"))
    var cpu: Int?

    @OptionGroup(title: "TLS (serve https:// to apps)")
    var tls: TLSServerOptions

    @OptionGroup(title: "Trust and integrity (the verifiers)")
    var clientSecurity: ClientSecurityOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535") }
        guard retryEvery >= 1 else { throw ValidationError("--retry-every must be ≥ 1") }
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be in (0, 3600] seconds") }
    }

    func run() async throws {
        let proxy: AssistedProxy
        do {
            _ = try WindowOption.policy(window)  // checked once here; each request makes its own below
            let window = self.window
            try checkVerificationOptions()
            let identity = try tls.load()
            var options = try ModelRunOptions.parse([])
            options.threads = threads
            if let cpu { try CPUOption.pinProcess(cpu) }
            let model = try options.loadModel(path: draft)
            if let cpu { try CPUOption.pin(model, to: cpu) }
            guard let tokenizer = TokenText.tokenizer(for: model.file) else {
                throw CommandLineError("\(draft) has no usable tokenizer; the proxy needs one for text")
            }
            let verification = try verificationPlan(fingerprint: tokenizer.fingerprint)
            let format = try chatFormat.map { try ChatFormat.named($0) }
            var logger = Logger(label: "tandem.proxy")
            logger.logLevel = .notice
            proxy = AssistedProxy(
                draft: model, draftName: (draft as NSString).lastPathComponent, tokenizer: tokenizer,
                configuration: ProxyConfiguration(
                    verification: verification,
                    makePolicy: { (try? WindowOption.policy(window)) ?? ConfidenceStoppingWindow() },
                    retryEveryTokens: retryEvery, timeout: .milliseconds(Int64(timeout * 1000)),
                    security: try security(), apiKey: upstreamKey.resolved),
                modelName: modelName.first, aliases: Array(modelName.dropFirst()),
                acceptsAnyModelName: !strictModelName, chatFormat: format, host: host, port: port, logger: logger,
                tls: identity)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let host = self.host
        let scheme = proxy.tls == nil ? "http" : "https"
        try await proxy.run(handlingSignals: true) { port in
            print(
                "tandem: proxy for \(proxy.model.id) at \(scheme)://\(host):\(port)/v1 (OpenAI API; /metrics, /health)")
            fflush(nil)
        }
    }

    /// Checks the verification options before the draft is loaded.
    private func checkVerificationOptions() throws {
        _ = try verificationPlan(fingerprint: "")
    }

    /// What the proxy checks about verifiers (`--ca`, `--verifier-secret`, `--require-sha256`).
    private func security() throws -> ClientSecurity {
        try clientSecurity.security(requireSha256: requireSha256)
    }

    /// The verification the options ask for; errors name the conflicting options.
    /// - Parameter fingerprint: the draft tokenizer's, for a coordinator's listing.
    private func verificationPlan(fingerprint: String) throws -> ProxyVerification {
        let chosen = [server != nil, coordinator != nil, localOnly].filter { $0 }.count
        guard chosen == 1 else {
            throw CommandLineError(
                "give exactly one of --server ws://HOST:PORT, --coordinator http://HOST:PORT, --local-only")
        }
        if mode == "route", server == nil {
            throw CommandLineError("--mode route takes one --server")
        }
        if localOnly {
            guard !preemptive, !proactive, requireSha256 == nil else {
                throw CommandLineError(
                    "--local-only uses no verifier: drop --preemptive, --proactive, --require-sha256")
            }
            return .localOnly
        }
        let required = requireSha256?.lowercased()
        if let required, !RegistryValidation.isSHA256(required) {
            throw CommandLineError("--require-sha256 must be 64 hex digits (the model file's SHA-256)")
        }
        if let coordinator {
            guard let url = URL(string: coordinator), ["http", "https"].contains(url.scheme ?? ""), url.host != nil
            else { throw CommandLineError("--coordinator must be http://HOST:PORT, got \"\(coordinator)\"") }
            guard !preemptive, !proactive else {
                throw CommandLineError("--preemptive and --proactive take one --server, not --coordinator")
            }
            return .resilient(
                VerifierDirectory(
                    .coordinator(url: coordinator, fingerprint: fingerprint, sha256: required), security: try security()
                ),
                requireSha256: required)
        }
        let servers = (server ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        for address in servers {
            do {
                try RegistryValidation.address(address)
            } catch {
                throw CommandLineError("--server: \(error)")
            }
        }
        switch mode {
        case "assist": break
        case "route":
            guard servers.count == 1, !preemptive, !proactive else {
                throw CommandLineError("--mode route takes one --server (no list, no --preemptive/--proactive)")
            }
            let routing = try RouteOption.configuration(
                threshold: threshold, score: score, span: 1, budget: routeBudget, timeoutMs: 2000)
            return .route(servers[0], routing)
        default:
            throw CommandLineError("--mode must be assist or route, not '\(mode)'")
        }
        if preemptive || proactive {
            guard servers.count == 1 else {
                throw CommandLineError("--preemptive and --proactive take one --server (no list)")
            }
            return .server(servers[0], preemptive: preemptive, proactive: proactive)
        }
        return .resilient(VerifierDirectory(.addresses(servers), security: try security()), requireSha256: required)
    }
}
