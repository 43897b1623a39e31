import TandemDecoding
import TandemModel
import TandemOpenAI
import TandemOpenAIRoutes
import TandemSampling
import TandemTokenizer

/// What `AssistedChat.reply` streams: text as soon as its tokens are final, then the reply.
public enum AssistedChatEvent: Sendable, Equatable {
    /// New text (never half a character; a tail that may start a stop string waits).
    case text(String)
    case finished(AssistedChatReply)
}

/// A finished chat reply.
public struct AssistedChatReply: Sendable, Equatable {
    /// All of it (the deltas joined), cut before the first stop string.
    public var text: String
    /// `stop` (end of turn, stop string) or `length` (token limit, full context), as in OpenAI's API.
    public var finishReason: String
    public var promptTokens: Int
    /// The generation: its tokens and counters.
    public var result: GenerationResult
    /// Times the one server's verifier reconnected (`ProxyVerification.server` and `.route`; else 0).
    public var reconnects: Int = 0
    /// Acceptance, tokens per round, cloud passes per token, local tokens, …
    public var stats: GenerationStats { result.stats }
}

/// Chat with assisted decoding for apps that embed the draft: messages in, text deltas and a final
/// reply with stats out. The same path as `tandem proxy`'s `/v1/chat/completions` (one backend, one
/// chat template, one text decoder with the same stop-string rule); the proxy exposes its own as
/// ``AssistedProxy/chat``.
///
/// ```swift
/// let chat = AssistedChat(draft: draft, draftName: "qwen2.5-coder-0.5b-instruct.gguf", tokenizer: tokenizer,
///     configuration: ProxyConfiguration(verification: .resilient(VerifierDirectory(.addresses(["ws://h:8080"])), requireSha256: nil)))
/// for try await event in chat.reply(to: [ChatMessage(role: "user", content: "Hi")], maxTokens: 64) {
///     if case .text(let piece) = event { print(piece, terminator: "") }
/// }
/// ```
public struct AssistedChat: Sendable {
    public let model: ServedModel
    let backend: AssistedCompletionBackend

    /// - Parameters:
    ///   - chatFormat: replaces the chat format recognised from the draft file's template.
    ///   - chatTemplate: replaces the chat template altogether (format and default system prompt), e.g.
    ///     `try tokenizer.chatTemplate(override:)` when an unrecognised template must be an error
    ///     rather than ChatML.
    public init(
        draft: Model, draftName: String, tokenizer: Tokenizer, configuration: ProxyConfiguration,
        chatFormat: ChatFormat? = nil, chatTemplate: ChatTemplate? = nil
    ) {
        var model = ServedModel(
            id: draftName, contextLength: draft.config.contextLength, tokenizer: tokenizer, chatFormat: chatFormat)
        if let chatTemplate { model.chatTemplate = chatTemplate }
        self.init(
            model: model,
            backend: AssistedCompletionBackend(
                draft: draft, draftName: draftName, tokenizer: tokenizer, configuration: configuration,
                metrics: ProxyMetrics()))
    }

    init(model: ServedModel, backend: AssistedCompletionBackend) {
        self.model = model
        self.backend = backend
    }

    /// Generates the assistant's reply to `messages`.
    ///
    /// - Parameters:
    ///   - maxTokens: most reply tokens (nil: the rest of the context; 0: an empty reply).
    ///   - stop: text that ends the reply (not part of it).
    ///   - endOfTurnStops: stop at the tokenizer's end-of-generation tokens (false: keep generating
    ///     past them, as `tandem generate --ignore-eos`).
    /// - Throws (through the stream): an `OpenAIError` when the prompt and `maxTokens` do not fit the
    ///   context, or the generation's error.
    public func reply(
        to messages: [ChatMessage], maxTokens: Int? = nil, sampling: SamplingParameters = .greedy,
        stop: [String] = [], endOfTurnStops: Bool = true
    ) -> AsyncThrowingStream<AssistedChatEvent, any Error> {
        let model = self.model
        let backend = self.backend
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let prompt = model.chatPrompt(messages)
                    let room = model.contextLength - prompt.count
                    if let maxTokens, maxTokens < 0 {
                        throw OpenAIError.invalidValue("max_tokens", "expected a value >= 0, got \(maxTokens).")
                    }
                    guard room >= 1, (maxTokens ?? 1) <= room else {
                        throw OpenAIError.contextLengthExceeded(
                            contextLength: model.contextLength, promptTokens: prompt.count, maxTokens: maxTokens,
                            param: "messages")
                    }
                    let tokenizer = model.tokenizer
                    let request = SessionRequest(
                        prompt: prompt, sampling: sampling, maxTokens: maxTokens ?? room,
                        stopTokens: endOfTurnStops ? tokenizer.endOfGenerationIDs : [])
                    let stops =
                        stop.isEmpty
                        ? nil : StopStrings(stop) { (try? tokenizer.decode($0, skipSpecial: true)) ?? "" }
                    var text = CompletionText(tokenizer: tokenizer, stop: stop)
                    let run = backend.run(request, stopStrings: stops)
                    for try await event in run.events {
                        switch event {
                        case .token(let id):
                            let piece = text.feed(id)
                            if !piece.isEmpty { continuation.yield(.text(piece)) }
                        case .finished(let result):
                            let rest = text.finish()
                            if !rest.isEmpty { continuation.yield(.text(rest)) }
                            continuation.yield(
                                .finished(
                                    AssistedChatReply(
                                        text: text.text, finishReason: text.finishReason(result.finishReason),
                                        promptTokens: prompt.count, result: result,
                                        reconnects: await run.reconnects())))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
