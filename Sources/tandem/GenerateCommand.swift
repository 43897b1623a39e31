import ArgumentParser
import Foundation
import TandemDecoding
import TandemSecurity
import TandemWire

/// `tandem generate`: parses the options into one of four runs (local, assisted, routed, failover),
/// each of which hands the work to the library's generator and prints what it returns.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate tokens with a GGUF model, locally or assisted by a verifier server.",
        discussion: """
            The prompt is given as token ids (--tokens) or as text (--prompt, encoded with the file's \
            tokenizer). The generated text is streamed to stdout as it is produced (ids when the file \
            has no tokenizer); timing goes to stderr. Greedy by default \
            (--temperature 0); generation stops after --max-tokens, at the end-of-sequence token \
            (unless --ignore-eos) or when the context is full.

            Examples:
              tandem generate --model llama-s-f32.gguf --tokens 464,329 --max-tokens 16
              tandem generate --model m.gguf --tokens 1,2,3 --temperature 0.8 --top-k 40 --top-p 0.95 --seed 7
              tandem generate --model m.gguf --tokens 1,2,3 --json
              tandem generate --model stories260K.gguf --prompt "Once upon a time" --max-tokens 40

            Assisted mode (a draft model here, the target on a `tandem serve` server):
              tandem generate --draft Models/draft.gguf --server ws://127.0.0.1:8080 --prompt "Return the"
              tandem generate --draft d.gguf --server ws://127.0.0.1:8080 --tokens 1,2,3 --window doubling --json
              tandem generate --draft Models/draft.gguf --server ws://127.0.0.1:8080 --prompt "Return the" --preemptive --json
            --window is a fixed number of drafts per round, doubling, or adaptive (the default: a cost model \
            bounds the window and the draft stops early where it is unsure; cost-model: the cost model alone).
            --preemptive asks the server for an early-exit guess at each verdict and drafts the next window \
            while the server finishes its pass; the output is unchanged, the stats gain preemptive_hit_rate, \
            preemptive_saved_ms, preemptive_wasted_drafts and provisional_lead_ms.
            --proactive keeps drafting while a window is being verified (assuming it is accepted and the \
            server's next token is the draft's own guess) and sends that window the moment the verdict \
            confirms it; the output is unchanged, the stats gain proactive_hit_rate, proactive_reused_drafts, \
            proactive_wasted_drafts and proactive_hidden_ms. With --preemptive too, the early-exit guess steers it.
            --cpu N pins the compute to CPU N (Linux), e.g. client on one core and `serve --cpu` on the other:
              tandem serve --model t.gguf --port 8080 --threads 1 --cpu 1
              tandem generate --draft d.gguf --server ws://127.0.0.1:8080 --prompt "def f(" --threads 1 --cpu 0 --proactive

            Failover and offline fallback (several verifiers, or a coordinator's list of them): when the \
            verifier in use dies the sequence moves to the next one; when none answers the draft continues \
            alone (a [local: …] line on stderr) and assistance resumes when a verifier answers again. \
            --json then adds "segments" (runs of "verified" / "local" tokens), "verifiers" (those used) and \
            the stats local_tokens and failovers.
              tandem generate --draft Models/draft.gguf --coordinator http://127.0.0.1:8070 --prompt "Return the"
              tandem generate --draft Models/draft.gguf --server ws://127.0.0.1:8081,ws://127.0.0.1:8082 --prompt "Return the" --json
              tandem generate --draft d.gguf --coordinator http://coord:8070 --require-sha256 $(sha256sum t.gguf | cut -c1-64) --prompt "Hi"

            Integrity and TLS (every remote path): --require-sha256 HEX refuses a verifier serving another \
            model file (with one --server the run fails with that error; with a list or a coordinator the \
            next verifier is tried); --verifier-secret S (or TANDEM_VERIFIER_SECRET) refuses a verifier that \
            cannot prove it holds the coordinator's secret, and coordinator entries not signed with it; \
            wss:// and https:// are verified against the system's store plus --ca FILE (docs/SECURITY.md).
              tandem generate --draft d.gguf --server wss://verifier.example:8443 --ca ca.pem --require-sha256 HEX --prompt "Hi"

            Routing mode (--mode route): the draft generates alone and hands only the positions where its
            confidence is below --threshold to the server, which answers its own token there (--route-span N:
            N tokens). --threshold 0 routes nothing, 1 routes every position; --score is top-prob (p1), margin
            (p1 - p2) or entropy (1 - H/ln V); --route-budget caps the routed share of tokens. If the server
            does not answer within --route-timeout-ms (or is unreachable) the draft keeps its own token.
              tandem generate --draft Models/draft.gguf --server ws://127.0.0.1:8080 --mode route --threshold 0.4 --prompt "Return the"
              TANDEM_API_KEY=… tandem generate --draft Models/draft.gguf --server ws://verifier:8080 --prompt "Return the"
              tandem generate --draft d.gguf --server ws://127.0.0.1:8080 --mode route --threshold 0.3 --score margin --route-budget 0.1 --json

            The target runs locally with --model (the library's target-only generator over the model in \
            this process); with --draft it is remote: one --server, a list of them or a --coordinator.

            With --json one line is printed at the end (keys sorted). Local mode:
              {"tokens":[...],"text":"…" (null without a tokenizer),"stats":{"prompt_tokens":3,"generated_tokens":16,"prefill_tok_s":...,"decode_tok_s":...}}
            Assisted mode:
              {"tokens":[...],"text":"…","stats":{"acceptance_rate":…,"tokens_per_round":…,"rounds":…,"cloud_passes_per_token":…,"bytes_per_token":…,"tokens_per_s":…,…}}
            Routing mode: the same stats plus "routed_fraction", "routed_positions", "route_replaced", "route_fallbacks".
            """
    )

    @OptionGroup(title: "Local model and prompt") var options: ModelRunOptions

    @OptionGroup(title: "Chat") var chatOptions: ChatOptions

    @OptionGroup(title: "Remote target") var link: LinkOptions

    @OptionGroup(title: "Trust and integrity (remote target)") var clientSecurity: ClientSecurityOptions

    @OptionGroup(title: "Verifier access") var key: APIKeyOption

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --server: assist (the draft proposes, the server verifies) or route (the draft generates, the server answers its low-confidence positions).",
            valueName: GenerateMode.allCases.map(\.rawValue).joined(separator: "|")))
    var mode = GenerateMode.assist.rawValue

    @OptionGroup(title: "Assisted decoding") var assist: AssistOptions

    @OptionGroup(title: "Routing") var route: RouteOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Pin this process's compute to CPU N (Linux only; e.g. two 'devices' on one machine).", valueName: "N"))
    var cpu: Int?

    @OptionGroup(title: "Sampling and stopping") var sampling: SamplingOptions

    @OptionGroup(title: "Output") var output: OutputOptions

    /// What one invocation runs.
    enum Plan: Equatable {
        /// The target in this process (`--model`).
        case local
        /// A draft here, one verifier server (`--draft --server`).
        case assisted(draft: String, server: String)
        /// A draft here routing its unsure positions to one server (`--mode route`).
        case routed(draft: String, server: String)
        /// A draft here, failing over between verifiers (`--coordinator`, a `--server` list).
        case resilient(draft: String)
    }

    func run() async throws {
        if let cpu { try reportingErrors { try CPUOption.pinProcess(cpu) } }
        try await reportingErrors(afterStreamedText: true) {
            let plan = try self.plan()
            let inputs = GenerateInputs(
                options: options, chatOptions: chatOptions, parsedPrompt: try options.parsedTokenIDs(),
                sampling: try sampling.parameters(), maxTokens: sampling.maxTokens, ignoreEos: sampling.ignoreEos,
                json: output.json, apiKey: key.resolved)
            switch plan {
            case .local:
                try await LocalGenerate(inputs: inputs, cpu: cpu).run()
            case .assisted(let draft, let server):
                try await AssistedGenerate(
                    inputs: inputs, draftPath: draft, server: server, policy: try WindowOption.policy(assist.window),
                    preemptive: assist.preemptive, proactive: assist.proactive, cpu: cpu,
                    security: try security()
                ).run()
            case .routed(let draft, let server):
                try await RoutedGenerate(
                    inputs: inputs, draftPath: draft, server: server, configuration: try route.configuration(),
                    security: try security()
                ).run()
            case .resilient(let draft):
                try await ResilientGenerate(
                    inputs: inputs, draftPath: draft, link: link, policy: try WindowOption.policy(assist.window),
                    security: try security()
                ).run()
            }
        }
    }

    /// What the client checks about verifiers (`--ca`, `--verifier-secret`, `--require-sha256`).
    func security() throws -> ClientSecurity {
        let required = link.requireSha256?.lowercased()
        if let required, !RegistryValidation.isSHA256(required) {
            throw CommandLineError(
                "--require-sha256 must be 64 hex digits (the model file's SHA-256, as `sha256sum` prints it)")
        }
        return try clientSecurity.security(requireSha256: required)
    }

    /// The run the options ask for, or the error that says which options do not go together.
    func plan() throws -> Plan {
        if link.coordinator != nil || (link.requireSha256 != nil && link.server == nil)
            || link.server?.contains(",") == true
        {
            // Failover and offline fallback drive plain assisted rounds; routing has its own fallback.
            if let what = assist.speculativeFlag ?? (mode == GenerateMode.assist.rawValue ? nil : "--mode \(mode)") {
                throw CommandLineError(
                    "\(what) takes one --server; --coordinator and a list of servers work in plain assist mode"
                )
            }
            guard let draft = link.draft else { throw CommandLineError("failover mode needs --draft FILE") }
            guard options.model == nil else {
                throw CommandLineError(
                    "--model runs locally; with --coordinator or --server the target is the servers' (drop --model)")
            }
            return .resilient(draft: draft)
        }
        guard link.draft != nil || link.server != nil else {
            if let flag = assist.speculativeFlag {
                throw CommandLineError("\(flag) needs assisted mode (--draft FILE --server ws://HOST:PORT)")
            }
            return .local
        }
        guard let draft = link.draft, let server = link.server else {
            throw CommandLineError("assisted mode needs both --draft FILE and --server ws://HOST:PORT")
        }
        guard options.model == nil else {
            throw CommandLineError("--model runs locally; with --server the target is the server's (drop --model)")
        }
        switch GenerateMode(rawValue: mode) {
        case .assist:
            return .assisted(draft: draft, server: server)
        case .route:
            if let flag = assist.speculativeFlag {
                throw CommandLineError("\(flag) drafts windows in assist mode; drop it with --mode route")
            }
            return .routed(draft: draft, server: server)
        case nil:
            // Parsed here rather than by the argument parser so that a bad value exits 1 with this
            // message, as it always has.
            throw CommandLineError("--mode must be assist or route, not '\(mode)'")
        }
    }
}

/// What every run of `tandem generate` starts from: the prompt options, the sampling and the output.
struct GenerateInputs {
    var options: ModelRunOptions
    var chatOptions: ChatOptions
    /// `--tokens`, parsed (nil with `--prompt`).
    var parsedPrompt: [Int]?
    var sampling: SamplingParameters
    var maxTokens: Int
    var ignoreEos: Bool
    var json: Bool
    /// The verifiers' API key (`--api-key` / `TANDEM_API_KEY`).
    var apiKey: String? = nil
}
