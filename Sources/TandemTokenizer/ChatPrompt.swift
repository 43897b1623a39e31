extension Tokenizer {
    /// The chat template this model's file declares (format plus default system prompt), or the
    /// given format when `override` is set (then the file's template is not consulted).
    public func chatTemplate(override: ChatFormat? = nil) throws -> ChatTemplate {
        if let override { return ChatTemplate(format: override) }
        return try ChatTemplate.detect(chatTemplate)
    }

    /// Token ids of a prompt, as `tandem generate --prompt TEXT [--chat]` needs them.
    /// - Parameters:
    ///   - prompt: the user's text.
    ///   - chat: wrap it as one user turn in the model's chat format, followed by the assistant header.
    ///   - format: a chat format that replaces the one recognised from the file's template.
    ///   - system: a system message (else the template's default one, if any).
    ///   - parseSpecial: recognise special tokens written in a plain (non-chat) prompt, as llama.cpp's
    ///     tools do. Chat prompts always parse the format's own tokens; the user's text is inserted as is.
    /// BOS follows the model's default (``addBOS``).
    public func promptIDs(
        _ prompt: String, chat: Bool, format: ChatFormat? = nil, system: String? = nil,
        parseSpecial: Bool = true
    ) throws -> [Int] {
        guard chat else { return encode(prompt, parseSpecial: parseSpecial) }
        return chatPromptIDs(ChatMessage.turn(prompt, system: system), template: try chatTemplate(override: format))
    }

    /// Token ids of a conversation, ready for the assistant's reply: rendered with `template` (ending
    /// with the assistant header), the template's own special tokens parsed, the messages' text as is.
    /// The one chat-prompt rendering: `tandem generate --chat`, the OpenAI endpoints and `AssistedChat`.
    public func chatPromptIDs(_ messages: [ChatMessage], template: ChatTemplate) -> [Int] {
        encode(template.render(messages, addGenerationPrompt: true), parseSpecial: true)
    }
}

extension ChatMessage {
    /// One user turn, after a system message when `system` is given (else the template's default applies).
    public static func turn(_ user: String, system: String? = nil) -> [ChatMessage] {
        (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + [ChatMessage(role: "user", content: user)]
    }
}
