import Foundation
import TandemTokenizer

/// One benchmark prompt as a prompt file gives it: plain text, or a conversation that is rendered with
/// the model's chat template.
public enum BenchPrompt: Sendable, Equatable {
    /// Encoded as is.
    case text(String)
    /// Rendered with the model's chat template, ending with the assistant header.
    case chat([ChatMessage])

    /// True for a conversation.
    public var isChat: Bool {
        if case .chat = self { return true }
        return false
    }

    /// The text to encode (with special tokens parsed): the text itself, or the conversation in
    /// `template`'s format (the template's default system prompt added when the conversation has none).
    public func rendered(template: ChatTemplate?) throws(BenchPromptError) -> String {
        switch self {
        case .text(let text):
            return text
        case .chat(let messages):
            guard let template else { throw .noChatTemplate }
            return template.render(messages, addGenerationPrompt: true)
        }
    }

    /// The texts of `prompts`, conversations rendered with the chat template of the model whose
    /// tokenizer is `tokenizer` (only consulted when some prompt is a conversation).
    public static func texts(_ prompts: [BenchPrompt], tokenizer: () throws -> Tokenizer) throws -> [String] {
        guard prompts.contains(where: \.isChat) else { return try prompts.map { try $0.rendered(template: nil) } }
        let template: ChatTemplate
        do {
            template = try tokenizer().chatTemplate()
        } catch {
            throw BenchPromptError.noChatTemplate
        }
        return try prompts.map { try $0.rendered(template: template) }
    }
}

/// Why prompts could not be read.
public enum BenchPromptError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, line: Int, reason: String)
    case empty(path: String)
    case noChatTemplate
    case humanEval(String)
    case badRange(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read the prompts file \(path): \(reason)"
        case .malformed(let path, let line, let reason): "\(path), line \(line): \(reason)"
        case .empty(let path): "\(path) has no prompts"
        case .noChatTemplate:
            "the prompts include conversations ({\"messages\": …}) but the model has no recognised chat template"
        case .humanEval(let reason): "HumanEval: \(reason)"
        case .badRange(let text):
            "--problems: '\(text)' is not a list of problem numbers or ranges (e.g. 80-163 or 0-7,12)"
        }
    }
}

/// Prompt files: plain text, one prompt per line (empty lines skipped), or JSON Lines, one object a
/// line with `"prompt"` (a string; newlines allowed) or `"messages"` (`[{"role": …, "content": …}]`).
public enum BenchPromptFile {
    /// Loads `path`: JSON Lines when its name ends in `.jsonl` or its first non-blank character is `{`,
    /// plain text otherwise.
    public static func load(path: String) throws(BenchPromptError) -> [BenchPrompt] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let isJSONL = path.hasSuffix(".jsonl") || text.first(where: { !$0.isWhitespace }) == "{"
        let prompts = isJSONL ? try parseJSONLines(text, name: path) : parsePlain(text)
        guard !prompts.isEmpty else { throw .empty(path: path) }
        return prompts
    }

    /// One prompt per non-empty line, trimmed of surrounding spaces.
    public static func parsePlain(_ text: String) -> [BenchPrompt] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { .text($0) }
    }

    /// One prompt per non-empty line of JSON; `name` labels errors.
    public static func parseJSONLines(_ text: String, name: String) throws(BenchPromptError) -> [BenchPrompt] {
        struct Message: Decodable {
            var role: String
            var content: String
        }
        struct Line: Decodable {
            var prompt: String?
            var messages: [Message]?
        }
        var out: [BenchPrompt] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { !$0.isWhitespace }) else { continue }
            let parsed: Line
            do {
                parsed = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
            } catch {
                throw .malformed(
                    path: name, line: i + 1, reason: "not a JSON object with \"prompt\" or \"messages\" (\(error))")
            }
            switch (parsed.prompt, parsed.messages) {
            case (let prompt?, nil):
                guard !prompt.isEmpty else { throw .malformed(path: name, line: i + 1, reason: "empty \"prompt\"") }
                out.append(.text(prompt))
            case (nil, let messages?):
                guard !messages.isEmpty else { throw .malformed(path: name, line: i + 1, reason: "empty \"messages\"") }
                out.append(.chat(messages.map { ChatMessage(role: $0.role, content: $0.content) }))
            case (.some, .some):
                throw .malformed(path: name, line: i + 1, reason: "both \"prompt\" and \"messages\"; give one")
            case (nil, nil):
                throw .malformed(path: name, line: i + 1, reason: "neither \"prompt\" nor \"messages\"")
            }
        }
        return out
    }
}
