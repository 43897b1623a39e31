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

    /// More names requests may use, each its own `/v1/models` entry (vLLM's `--served-model-name`,
    /// llama.cpp's `--alias`); responses carry the name the request used.
    public var aliases: [String] = []
    /// Answer to any `model` name and echo it in the response, as llama.cpp's server does with one
    /// model (apps that send a fixed name, e.g. the verifier's or `gpt-4o`, just work). False: other
    /// names are 404 `model_not_found`, as vLLM does.
    public var acceptsAnyName = false

    /// True when a request's `model` names this model (absent or empty: the served one).
    public func answers(to name: String?) -> Bool {
        guard let name, !name.isEmpty else { return true }
        return isOwnName(name) || aliases.contains(name) || acceptsAnyName
    }

    /// The `model` a response carries: the name the request used when it is an alias or (with
    /// ``acceptsAnyName``) any other name; `id` when it named this model by its id or named none.
    public func responseName(for name: String?) -> String {
        guard let name, !name.isEmpty, !isOwnName(name), answers(to: name) else { return id }
        return name
    }

    /// `id`, with or without `.gguf`.
    private func isOwnName(_ name: String) -> Bool {
        if name == id { return true }
        let bare = id.hasSuffix(".gguf") ? String(id.dropLast(5)) : id
        return name == bare
    }

    /// The prompt ids of a conversation: rendered with the chat template (ending with the assistant
    /// header), the template's own special tokens parsed, the messages' text inserted as is.
    public func chatPrompt(_ messages: [ChatMessage]) -> [Int] {
        tokenizer.chatPromptIDs(messages, template: chatTemplate)
    }

    /// `/v1/models`' entry.
    public var entry: OpenAIModel { OpenAIModel(id: id, created: created, ownedBy: ownedBy) }

    /// `/v1/models`' entries: `id`, then each alias.
    public var entries: [OpenAIModel] {
        [entry] + aliases.filter { $0 != id }.map { OpenAIModel(id: $0, created: created, ownedBy: ownedBy) }
    }
}
