/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// `"system"`, `"user"` or `"assistant"` (other roles are written as given).
    public var role: String
    /// The message text, inserted into the prompt as is.
    public var content: String

    /// A message with the given role and text.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The chat prompt formats of the supported models, recognised from the GGUF's Jinja template (the
/// template is matched, not executed).
///
/// ```swift
/// let chat = try ChatTemplate.detect(tokenizer.chatTemplate)
/// let prompt = chat.render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
/// let ids = tokenizer.encode(prompt, parseSpecial: true)
/// ```
public enum ChatFormat: String, Sendable, CaseIterable {
    /// `<|im_start|>role\ncontent<|im_end|>\n` … (SmolLM2, Qwen2.5).
    case chatml
    /// `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` … (Llama 3). BOS is not written:
    /// encode with the model's default `addBOS` (true for Llama 3).
    case llama3
    /// `<|role|>\ncontent</s>\n` … (Zephyr; TinyLlama-Chat).
    case zephyr

    /// Recognises the format of a `tokenizer.chat_template`; `nil` is ``TokenizerError/missingChatTemplate``,
    /// an unrecognised one ``TokenizerError/unknownChatTemplate(excerpt:)``.
    public static func detect(template: String?) throws -> ChatFormat {
        try ChatTemplate.detect(template).format
    }

    /// Parses a user-given format name (`"chatml"`, `"llama3"`).
    public static func named(_ name: String) throws -> ChatFormat {
        guard let format = ChatFormat(rawValue: name.lowercased()) else { throw TokenizerError.unknownChatFormat(name) }
        return format
    }

    /// The prompt text for `messages`; ends with the assistant header when `addGenerationPrompt`.
    /// Encode it with `parseSpecial: true`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        switch self {
        case .chatml:
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3:
            for m in messages {
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(Self.trimmed(m.content))<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .zephyr:
            for m in messages { out += "<|\(m.role)|>\n\(m.content)</s>\n" }
            if addGenerationPrompt { out += "<|assistant|>\n" }
        }
        return out
    }

    /// Jinja's `| trim`: leading and trailing whitespace removed.
    static func trimmed(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}

/// A recognised chat template: its ``ChatFormat`` plus the default system prompt the template inserts
/// when the conversation has none (SmolLM2's "You are a helpful AI assistant named SmolLM…", Qwen2.5's
/// "You are Qwen, created by Alibaba Cloud…").
public struct ChatTemplate: Sendable, Equatable {
    /// The prompt layout.
    public var format: ChatFormat
    /// Written as the first message when the conversation does not start with a system message.
    public var defaultSystemPrompt: String?
    /// Llama 3.1+ templates always open with a system turn that starts with this text
    /// (`"Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"`), followed by the
    /// conversation's system message, if any.
    public var systemPreamble: String?

    /// A template by hand (e.g. for a `--chat-format` override: no default system prompt).
    public init(format: ChatFormat, defaultSystemPrompt: String? = nil, systemPreamble: String? = nil) {
        self.format = format
        self.defaultSystemPrompt = defaultSystemPrompt
        self.systemPreamble = systemPreamble
    }

    /// Recognises a `tokenizer.chat_template`.
    public static func detect(_ template: String?) throws -> ChatTemplate {
        guard let template, !template.isEmpty else { throw TokenizerError.missingChatTemplate }
        if template.contains("<|im_start|>") {
            return ChatTemplate(format: .chatml, defaultSystemPrompt: defaultSystem(in: template))
        }
        if template.contains("<|start_header_id|>") && template.contains("<|eot_id|>") {
            var preamble: String?
            if template.contains("Cutting Knowledge Date: December 2023") {
                // The template's fallback date (llama.cpp's Jinja engine would use today's date when
                // the template calls strftime_now; a fixed one keeps prompts reproducible).
                let date = literal(after: "set date_string = \"", in: template) ?? "26 Jul 2024"
                preamble = "Cutting Knowledge Date: December 2023\nToday Date: \(date)\n\n"
            }
            return ChatTemplate(format: .llama3, systemPreamble: preamble)
        }
        if template.contains("<|user|>") && template.contains("<|assistant|>") {
            return ChatTemplate(format: .zephyr)
        }
        throw TokenizerError.unknownChatTemplate(excerpt: String(template.prefix(60)))
    }

    /// A literal system prompt in a ChatML template: the text between `<|im_start|>system\n` and
    /// `<|im_end|>` when it is plain text inside one string literal (no Jinja expression).
    static func defaultSystem(in template: String) -> String? {
        for opener in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
            var rest = Substring(template)
            while let open = rest.firstRange(of: opener) {
                let after = rest[open.upperBound...]
                rest = after
                guard let close = after.firstRange(of: "<|im_end|>") else { break }
                let body = after[..<close.lowerBound]
                if body.isEmpty || body.contains("'") || body.contains("\"") || body.contains("{") { continue }
                return String(body).replacingEscapedNewlines()
            }
        }
        return nil
    }

    /// The prompt text; a default system prompt is inserted first when the messages lack one.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var messages = messages
        if let preamble = systemPreamble {
            var system = ""
            if messages.first?.role == "system" { system = ChatFormat.trimmed(messages.removeFirst().content) }
            // Written verbatim: render() trims message content, which would eat the preamble's "\n\n".
            let head = "<|start_header_id|>system<|end_header_id|>\n\n\(preamble)\(system)<|eot_id|>"
            return head + format.render(messages, addGenerationPrompt: addGenerationPrompt)
        }
        if let system = defaultSystemPrompt, messages.first?.role != "system" {
            messages.insert(ChatMessage(role: "system", content: system), at: 0)
        }
        return format.render(messages, addGenerationPrompt: addGenerationPrompt)
    }

    /// The text from just after `opener` up to the next `"`, if `opener` occurs.
    static func literal(after opener: String, in template: String) -> String? {
        guard let open = template.firstRange(of: opener) else { return nil }
        let rest = template[open.upperBound...]
        guard let close = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<close])
    }
}

extension String {
    /// Turns the two-character escape `\n` of a Jinja string literal into a newline.
    fileprivate func replacingEscapedNewlines() -> String {
        var out = ""
        var it = makeIterator()
        var backslash = false
        while let c = it.next() {
            if backslash {
                out.append(c == "n" ? "\n" : c)
                backslash = false
            } else if c == "\\" {
                backslash = true
            } else {
                out.append(c)
            }
        }
        if backslash { out.append("\\") }
        return out
    }
}
