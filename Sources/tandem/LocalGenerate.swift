import Foundation
import TandemDecoding
import TandemGGUF
import TandemModel
import TandemModelAdapter
import TandemTokenizer
import TandemUtilities

/// `tandem generate --model M`: the library's target-only generator over the model in this process,
/// streaming the text (ids without a tokenizer), then a timing line (stderr) or one JSON object.
struct LocalGenerate {
    var inputs: GenerateInputs
    /// Pins the model's compute to this CPU.
    var cpu: Int?

    func run() async throws {
        let options = inputs.options
        let model = try options.loadModel()
        if let cpu { try CPUOption.pin(model, to: cpu) }
        let tokenizer = TokenText.tokenizer(for: model.file)
        var prompt = try options.promptTokens(parsed: inputs.parsedPrompt, tokenizer: tokenizer)
        if inputs.parsedPrompt == nil, let text = options.prompt, let tokenizer, inputs.chatOptions.isChat {
            prompt = try inputs.chatOptions.promptIDs(text, tokenizer: tokenizer)
        }
        // Stop at the end of generation: the tokenizer's EOS/EOT set, else the file's EOS id.
        let stopTokens: [Int] =
            inputs.ignoreEos ? [] : tokenizer?.endOfGenerationIDs ?? Self.eosToken(model.file).map { [$0] } ?? []
        let request = SessionRequest(
            prompt: prompt, sampling: inputs.sampling, maxTokens: inputs.maxTokens,
            stopTokens: stopTokens.filter { $0 >= 0 && $0 < model.config.vocabularySize })
        let generator = TargetOnlyGenerator(verifier: InProcessVerifier(session: model.makeSession()))

        var stream = tokenizer?.makeStreamingDecoder(skipSpecial: true)
        var text = ""
        let clock = ContinuousClock()
        let start = clock.now
        var firstToken: ContinuousClock.Instant?
        var final: GenerationResult?
        for try await event in generator.generate(request) {
            switch event {
            case .token(let token):
                if firstToken == nil { firstToken = clock.now }
                let piece = try stream?.feed(token)
                if let piece { text += piece }
                if !inputs.json {
                    if let piece { print(piece, terminator: "") } else { print(token, terminator: " ") }
                    fflush(nil)  // all streams: stream each token as it comes
                }
            case .finished(let result):
                final = result
            }
        }
        guard let result = final else { throw CancellationError() }
        let end = clock.now
        if let rest = stream?.flush(), !rest.isEmpty {
            text += rest
            if !inputs.json { print(rest, terminator: "") }
        }
        // Prefill: the prompt up to the first token; decode: every later token.
        let prefillSeconds = ((firstToken ?? end) - start).seconds
        let decodeSeconds = (end - (firstToken ?? end)).seconds
        let stats = LocalStats(
            promptTokens: prompt.count, generatedTokens: result.tokens.count,
            prefillTokS: Double(prompt.count) / max(prefillSeconds, 1e-9),
            decodeTokS: result.tokens.count <= 1 ? 0 : Double(result.tokens.count - 1) / max(decodeSeconds, 1e-9))
        if inputs.json {
            try JSONOutput.print(
                GenerationOutput(tokens: result.tokens, text: tokenizer == nil ? nil : text, stats: stats))
        } else {
            print("")
            let line = String(
                format: "prompt %d tokens, %.1f tok/s; generated %d tokens, decode %.1f tok/s\n",
                stats.promptTokens, stats.prefillTokS, stats.generatedTokens, stats.decodeTokS)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    private static func eosToken(_ file: GGUFFile) -> Int? {
        switch file.value("tokenizer.ggml.eos_token_id") {
        case .uint32(let v)?: return Int(v)
        case .int32(let v)?: return Int(v)
        case .uint64(let v)?: return Int(v)
        case .int64(let v)?: return Int(v)
        default: return nil
        }
    }
}

/// The stats of local generation in `--json`: `{"decode_tok_s":…,"generated_tokens":…,"prefill_tok_s":…,"prompt_tokens":…}`.
struct LocalStats: Encodable {
    var promptTokens: Int
    var generatedTokens: Int
    var prefillTokS: Double
    var decodeTokS: Double

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case generatedTokens = "generated_tokens"
        case prefillTokS = "prefill_tok_s"
        case decodeTokS = "decode_tok_s"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(generatedTokens, forKey: .generatedTokens)
        // Three decimals, as always; null when not finite.
        func rounded(_ v: Double) -> Double? { v.isFinite ? (v * 1000).rounded() / 1000 : nil }
        try container.encodeAlways(rounded(prefillTokS), forKey: .prefillTokS)
        try container.encodeAlways(rounded(decodeTokS), forKey: .decodeTokS)
    }
}
