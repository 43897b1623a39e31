import ArgumentParser
import Foundation
import TandemDecoding
import TandemGGUF
import TandemModel
import TandemModelAdapter
import TandemSampling
import TandemTokenizer

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

            Routing mode (--mode route): the draft generates alone and hands only the positions where its
            confidence is below --threshold to the server, which answers its own token there (--route-span N:
            N tokens). --threshold 0 routes nothing, 1 routes every position; --score is top-prob (p1), margin
            (p1 - p2) or entropy (1 - H/ln V); --route-budget caps the routed share of tokens. If the server
            does not answer within --route-timeout-ms (or is unreachable) the draft keeps its own token.
              tandem generate --draft Models/draft.gguf --server ws://127.0.0.1:8080 --mode route --threshold 0.4 --prompt "Return the"
              tandem generate --draft d.gguf --server ws://127.0.0.1:8080 --mode route --threshold 0.3 --score margin --route-budget 0.1 --json

            With --json one line is printed at the end. Local mode:
              {"tokens":[...],"text":"…" (null without a tokenizer),"stats":{"prompt_tokens":3,"generated_tokens":16,"prefill_tok_s":...,"decode_tok_s":...}}
            Assisted mode:
              {"tokens":[...],"text":"…","stats":{"acceptance_rate":…,"tokens_per_round":…,"rounds":…,"cloud_passes_per_token":…,"bytes_per_token":…,"tokens_per_s":…,…}}
            Routing mode: the same stats plus "routed_fraction", "routed_positions", "route_replaced", "route_fallbacks".
            """
    )

    @OptionGroup var options: ModelRunOptions

    @OptionGroup var chatOptions: ChatOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Assisted mode: the draft model (GGUF file or installed model name) that proposes tokens; needs --server.",
            valueName: "file|name"), transform: modelFileArgument)
    var draft: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Assisted mode: the verifier server, ws://HOST:PORT (see tandem serve).", valueName: "url"))
    var server: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Assisted mode with failover: the coordinator to ask for verifiers.", valueName: "http://HOST:PORT"))
    var coordinator: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Assisted mode: use only verifiers whose model file has this SHA-256.", valueName: "hex"))
    var requireSha256: String?

    @Option(name: .long, help: "Failover mode: local tokens between attempts to reach a verifier again.")
    var retryEvery = 8

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Assisted mode: drafts per round: a number, doubling or adaptive.", valueName: "N|doubling|adaptive"))
    var window = "adaptive"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --server: assist (the draft proposes, the server verifies) or route (the draft generates, the server answers its low-confidence positions).",
            valueName: "assist|route"))
    var mode = "assist"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Route mode: route a position when the draft's confidence is below this (0: never, 1: always).",
            valueName: "x"))
    var threshold: Double = 0.4

    @Option(
        name: .long,
        help: ArgumentHelp("Route mode: the confidence score: top-prob, margin or entropy.", valueName: "score"))
    var score = "top-prob"

    @Option(
        name: .long, help: ArgumentHelp("Route mode: tokens the server answers per routed position.", valueName: "N"))
    var routeSpan = 1

    @Option(
        name: .long,
        help: ArgumentHelp("Route mode: most routed share of the generated tokens, in [0, 1].", valueName: "fraction"))
    var routeBudget: Double = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Route mode: how long to wait for the server's answer before keeping the draft's token.", valueName: "ms"))
    var routeTimeoutMs = 2000
    @Flag(
        name: .long,
        help: "Assisted mode: draft the next window on the server's early-exit guess (provisional verdict).")
    var preemptive = false

    @Flag(
        name: .long,
        help: "Assisted mode: draft the next window while the current one is being verified (assuming it is accepted).")
    var proactive = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Pin this process's compute to CPU N (Linux only; e.g. two 'devices' on one machine).", valueName: "N"))
    var cpu: Int?

    @Option(name: .long, help: "Maximum number of tokens to generate.")
    var maxTokens: Int = 32

    @Option(name: .long, help: "Sampling temperature; 0 means greedy (argmax, ties to the lowest id).")
    var temperature: Float = 0

    @Option(name: .long, help: "Keep only the K most likely tokens (0: off).")
    var topK: Int = 0

    @Option(name: .long, help: "Nucleus sampling: keep the most likely tokens up to probability P (1: off).")
    var topP: Float = 1

    @Option(name: .long, help: "Drop tokens below P × the top token's probability (0: off).")
    var minP: Float = 0

    @Option(name: .long, help: "Repetition penalty over the last --repeat-last-n tokens (1: off).")
    var repeatPenalty: Float = 1

    @Option(name: .long, help: "How many recent tokens the repetition penalty considers.")
    var repeatLastN: Int = 64

    @Option(name: .long, help: "Seed of the sampler's random numbers.")
    var seed: UInt64 = 0

    @Flag(name: .long, help: "Keep generating past the end-of-sequence token.")
    var ignoreEos = false

    @Flag(name: .long, help: "Print one JSON object at the end instead of streaming.")
    var json = false

    func run() async throws {
        if let cpu {
            do {
                try CPUOption.pinProcess(cpu)
            } catch {
                FileHandle.standardError.write(Data("error: --cpu: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
        if coordinator != nil || requireSha256 != nil || server?.contains(",") == true {
            guard mode == "assist", !preemptive, !proactive else {
                // Failover and offline fallback drive plain assisted rounds; routing has its own fallback.
                let what = preemptive ? "--preemptive" : proactive ? "--proactive" : "--mode \(mode)"
                FileHandle.standardError.write(
                    Data(
                        "error: \(what) takes one --server; --coordinator, a list of servers and --require-sha256 work in plain assist mode\n"
                            .utf8))
                throw ExitCode.failure
            }
            try await runResilient()
            return
        }
        if draft != nil || server != nil {
            try await runAssisted()
            return
        }
        try runLocal()
    }

    private func runAssisted() async throws {
        do {
            guard let draft, let server else {
                throw CommandLineError("assisted mode needs both --draft FILE and --server ws://HOST:PORT")
            }
            guard options.model == nil else {
                throw CommandLineError("--model runs locally; with --server the target is the server's (drop --model)")
            }
            let sampling = SamplingParameters(
                temperature: temperature, topK: topK, topP: topP, minP: minP,
                repeatPenalty: repeatPenalty, repeatLastN: repeatLastN, seed: seed)
            switch mode {
            case "assist": break
            case "route":
                guard !preemptive else {
                    throw CommandLineError("--preemptive drafts windows in assist mode; drop it with --mode route")
                }
                guard !proactive else {
                    throw CommandLineError("--proactive drafts windows in assist mode; drop it with --mode route")
                }
                let configuration = try RouteOption.configuration(
                    threshold: threshold, score: score, span: routeSpan,
                    budget: routeBudget, timeoutMs: routeTimeoutMs)
                try await RoutedGenerate(
                    draftPath: draft, server: server, configuration: configuration, sampling: sampling,
                    maxTokens: maxTokens, ignoreEos: ignoreEos, json: json,
                    options: options, chatOptions: chatOptions
                ).run()
                return
            default:
                throw CommandLineError("--mode must be assist or route, not '\(mode)'")
            }
            try await AssistedGenerate(
                draftPath: draft, server: server, window: window, sampling: sampling,
                maxTokens: maxTokens, ignoreEos: ignoreEos, json: json,
                options: options, chatOptions: chatOptions, preemptive: preemptive, proactive: proactive,
                cpu: cpu
            ).run()
        } catch {
            let message = String(describing: error).replacingOccurrences(of: "\n", with: " ")
            FileHandle.standardError.write(Data("\nerror: \(message)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func runLocal() throws {
        try reportingErrors {
            guard !preemptive else {
                throw CommandLineError("--preemptive needs assisted mode (--draft FILE --server ws://HOST:PORT)")
            }
            guard !proactive else {
                throw CommandLineError("--proactive needs assisted mode (--draft FILE --server ws://HOST:PORT)")
            }
            let parsed = try options.parsedTokenIDs()
            guard maxTokens >= 0 else { throw CommandLineError("--max-tokens must be ≥ 0") }
            let samplerConfig = SamplerConfig(
                temperature: temperature, topK: topK, topP: topP, minP: minP,
                repeatPenalty: repeatPenalty, repeatLastN: repeatLastN, seed: seed)
            var sampler = try Sampler(config: samplerConfig)
            let model = try options.loadModel()
            if let cpu { try CPUOption.pin(model, to: cpu) }
            let tokenizer = TokenText.tokenizer(for: model.file)
            var prompt = try options.promptTokens(parsed: parsed, tokenizer: tokenizer)
            if parsed == nil, let text = options.prompt, let tokenizer, chatOptions.isChat {
                prompt = try chatOptions.promptIDs(text, tokenizer: tokenizer)
            }
            // Stop at the end of generation: the tokenizer's EOS/EOT set, else the file's EOS id.
            let isEnd: (Int) -> Bool
            if ignoreEos {
                isEnd = { _ in false }
            } else if let tokenizer {
                isEnd = { tokenizer.isEndOfGeneration($0) }
            } else {
                let eos = eosToken(model.file)
                isEnd = { $0 == eos }
            }
            var stream = tokenizer?.makeStreamingDecoder(skipSpecial: true)

            let session = model.makeSession()
            var generated: [Int] = []
            var text = ""
            let prefillStart = DispatchTime.now()
            var logits = try session.append(prompt, logits: .last).logits[0]
            let prefillSeconds = seconds(since: prefillStart)

            var decodePasses = 0
            let decodeStart = DispatchTime.now()
            var decodeSeconds = 0.0
            while generated.count < maxTokens {
                let token = sampler.sample(logits, recent: session.tokens).token
                generated.append(token)
                let piece = try stream?.feed(token)
                if let piece { text += piece }
                if !json {
                    if let piece { print(piece, terminator: "") } else { print(token, terminator: " ") }
                    fflush(nil)  // all streams: stream each token as it comes
                }
                if isEnd(token) || generated.count == maxTokens || session.count >= model.config.contextLength { break }
                logits = try session.append([token], logits: .last).logits[0]
                decodePasses += 1
                decodeSeconds = seconds(since: decodeStart)
            }

            if let rest = stream?.flush(), !rest.isEmpty {
                text += rest
                if !json { print(rest, terminator: "") }
            }
            let prefillRate = Double(prompt.count) / max(prefillSeconds, 1e-9)
            let decodeRate = decodePasses == 0 ? 0 : Double(decodePasses) / max(decodeSeconds, 1e-9)
            if json {
                print(
                    "{\"tokens\":\(JSONText.ints(generated)),\"text\":\(JSONText.string(tokenizer == nil ? nil : text)),"
                        + "\"stats\":{\"prompt_tokens\":\(prompt.count),\"generated_tokens\":\(generated.count),"
                        + "\"prefill_tok_s\":\(JSONText.number(prefillRate)),\"decode_tok_s\":\(JSONText.number(decodeRate))}}"
                )
            } else {
                print("")
                let line = String(
                    format: "prompt %d tokens, %.1f tok/s; generated %d tokens, decode %.1f tok/s\n",
                    prompt.count, prefillRate, generated.count, decodeRate)
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
    }

    private func eosToken(_ file: GGUFFile) -> Int? {
        switch file.value("tokenizer.ggml.eos_token_id") {
        case .uint32(let v)?: return Int(v)
        case .int32(let v)?: return Int(v)
        case .uint64(let v)?: return Int(v)
        case .int64(let v)?: return Int(v)
        default: return nil
        }
    }
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
