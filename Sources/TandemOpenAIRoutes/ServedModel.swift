import Foundation
import TandemOpenAI
import TandemTokenizer

/// The model the OpenAI routes answer for: its name, context, tokenizer and chat template.
public struct ServedModel: Sendable {
    /// The name in responses and `/v1/models`; requests may name it with or without `.gguf`.
    public var id: String
    public var contextLength: Int
    public var tokenizer: Tokenizer
    /// The chat prompt layout: the file's template, else ChatML (llama.cpp's server does the same).
    public var chatTemplate: ChatTemplate
    /// `created` in responses and `/v1/models` (seconds since 1970).
    public var created: Int
    public var ownedBy: String

    /// - Parameter chatFormat: a format that replaces the one recognised from the file's template.
    public init(
        id: String, contextLength: Int, tokenizer: Tokenizer, chatFormat: ChatFormat? = nil, ownedBy: String = "tandem"
    ) {
        self.id = id
        self.contextLength = contextLength
        self.tokenizer = tokenizer
        chatTemplate =
            (try? tokenizer.chatTemplate(override: chatFormat)) ?? ChatTemplate(format: chatFormat ?? .chatml)
        created = Int(Date().timeIntervalSince1970)
        self.ownedBy = ownedBy
    }

    /// True when a request's `model` names this model (absent or empty: the served one).
    public func answers(to name: String?) -> Bool {
        guard let name, !name.isEmpty else { return true }
        if name == id { return true }
        let bare = id.hasSuffix(".gguf") ? String(id.dropLast(5)) : id
        return name == bare
    }

    /// The prompt ids of a conversation: rendered with the chat template (ending with the assistant
    /// header), the template's own special tokens parsed, the messages' text inserted as is.
    public func chatPrompt(_ messages: [ChatMessage]) -> [Int] {
        tokenizer.encode(chatTemplate.render(messages, addGenerationPrompt: true), parseSpecial: true)
    }

    /// `/v1/models`' entry.
    public var entry: OpenAIModel { OpenAIModel(id: id, created: created, ownedBy: ownedBy) }
}
