import TandemDecoding
import TandemOpenAI
import TandemTokenizer

/// A validated request, ready to generate: the prompt's ids, the session request and the settings.
struct PreparedCompletion: Sendable {
    enum Kind: Sendable { case chat, text }

    var kind: Kind
    var session: SessionRequest
    var settings: CompletionSettings
    var stopStrings: StopStrings?
    /// The `model` the response carries (``ServedModel/responseName(for:)``).
    var modelName = ""

    var promptTokens: Int { session.prompt.count }

    /// A chat request: messages rendered with the model's chat template.
    static func chat(_ r: ChatCompletionRequest, model: ServedModel) throws(OpenAIError) -> PreparedCompletion {
        let param = "max_tokens"
        let settings = try CompletionSettings(
            sampling: r.sampling, maxTokens: r.maxTokens, stream: r.stream, streamOptions: r.streamOptions,
            maxTokensParam: param)
        guard model.answers(to: r.model) else { throw .modelNotFound(r.model ?? "", served: model.id) }
        guard !r.messages.isEmpty else {
            throw .invalidValue(
                "messages", "empty array. Expected an array with minimum length 1, but got an empty array instead.",
                code: "empty_array")
        }
        var messages: [ChatMessage] = []
        for (i, m) in r.messages.enumerated() {
            let role: String
            switch m.role {
            case "system", "developer": role = "system"
            case "user", "assistant", "tool": role = m.role
            default:
                throw .invalidValue(
                    "messages[\(i)].role",
                    "'\(m.role.prefix(40))' is not one of 'system', 'developer', 'user', 'assistant', 'tool'.")
            }
            let content: String
            switch m.content {
            case .text(let text): content = text
            case .parts(let parts):
                var texts: [String] = []
                for (j, part) in parts.enumerated() {
                    guard part.type == "text", let text = part.text else {
                        throw .unsupported(
                            "messages[\(i)].content[\(j)].type",
                            "only text content parts are accepted, got '\(part.type.prefix(40))'.")
                    }
                    texts.append(text)
                }
                content = texts.joined(separator: "\n")
            case nil:
                guard role == "assistant" else { throw .missing("messages[\(i)].content") }
                content = ""
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        var prepared = try make(
            .chat, prompt: model.chatPrompt(messages), settings: settings, model: model, param: "messages")
        prepared.modelName = model.responseName(for: r.model)
        return prepared
    }

    /// A legacy completion request: the prompt as text (special tokens parsed, BOS per the model) or ids.
    static func text(_ r: CompletionRequest, model: ServedModel) throws(OpenAIError) -> PreparedCompletion {
        let settings = try CompletionSettings(
            sampling: r.sampling, maxTokens: r.maxTokens, stream: r.stream, streamOptions: r.streamOptions)
        guard model.answers(to: r.model) else { throw .modelNotFound(r.model ?? "", served: model.id) }
        if r.echo == true { throw .unsupported("echo", "echoing the prompt is not supported.") }
        if let suffix = r.suffix, !suffix.isEmpty { throw .unsupported("suffix", "insertion is not supported.") }
        let prompt: [Int]
        switch r.prompt {
        case .text(let text): prompt = model.tokenizer.encode(text, parseSpecial: true)
        case .tokens(let ids):
            let vocabulary = model.tokenizer.vocabularySize
            if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
                throw .invalidValue("prompt", "token id \(bad) is outside the vocabulary (0..<\(vocabulary)).")
            }
            prompt = ids
        case .batch(let count):
            throw .unsupported("prompt", "one prompt per request is accepted, got \(count).")
        }
        guard !prompt.isEmpty else { throw .invalidValue("prompt", "the prompt is empty.") }
        var prepared = try make(.text, prompt: prompt, settings: settings, model: model, param: "prompt")
        prepared.modelName = model.responseName(for: r.model)
        return prepared
    }

    static func make(
        _ kind: Kind, prompt: [Int], settings: CompletionSettings, model: ServedModel, param: String
    ) throws(OpenAIError) -> PreparedCompletion {
        let context = model.contextLength
        let room = context - prompt.count
        if let maxTokens = settings.maxTokens, maxTokens > room {
            throw .contextLengthExceeded(
                contextLength: context, promptTokens: prompt.count, maxTokens: maxTokens, param: param)
        }
        guard room >= 1 else {
            throw .contextLengthExceeded(
                contextLength: context, promptTokens: prompt.count, maxTokens: nil, param: param)
        }
        let sampling = SamplingParameters(
            temperature: Float(settings.temperature), topK: settings.topK, topP: Float(settings.topP),
            minP: Float(settings.minP), repeatPenalty: Float(settings.repetitionPenalty), seed: settings.seed)
        let tokenizer = model.tokenizer
        let session = SessionRequest(
            prompt: prompt, sampling: sampling, maxTokens: settings.maxTokens ?? room,
            stopTokens: tokenizer.endOfGenerationIDs)
        let stops =
            settings.stop.isEmpty
            ? nil : StopStrings(settings.stop) { (try? tokenizer.decode($0, skipSpecial: true)) ?? "" }
        return PreparedCompletion(kind: kind, session: session, settings: settings, stopStrings: stops)
    }
}
