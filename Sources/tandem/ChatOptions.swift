import ArgumentParser
import TandemTokenizer

/// Prompt options shared by commands that turn user text into token ids (`tokenize`, `generate`):
/// include with `@OptionGroup var chatOptions: ChatOptions` and call ``promptIDs(_:tokenizer:)``.
struct ChatOptions: ParsableArguments {
    @Flag(
        name: .long,
        help:
            "Wrap the text as a user turn in the model's chat format (from its chat template) and add the assistant header."
    )
    var chat = false

    @Option(
        name: .customLong("chat-format"),
        help:
            "Use this chat format instead of the one recognised from the file's template: \(ChatFormat.allCases.map(\.rawValue).joined(separator: ", ")). Implies --chat."
    )
    var chatFormat: String?

    @Option(name: .long, help: "System message for --chat (default: the template's own default, if it has one).")
    var system: String?

    /// True when the text is to be wrapped in a chat format.
    var isChat: Bool { chat || chatFormat != nil }

    /// The ids of `text` under these options; errors name the unknown format or template.
    func promptIDs(_ text: String, tokenizer: Tokenizer) throws -> [Int] {
        guard let turn = try turn(text, tokenizer: tokenizer) else { return tokenizer.encode(text, parseSpecial: true) }
        return tokenizer.chatPromptIDs(turn.messages, template: turn.template)
    }

    /// With `--chat`: `text` as one user turn (after `--system`) and the template to render it with;
    /// nil without `--chat`. Errors name the unknown format or template.
    func turn(_ text: String, tokenizer: Tokenizer) throws -> (messages: [ChatMessage], template: ChatTemplate)? {
        guard isChat else { return nil }
        let format = try chatFormat.map { try ChatFormat.named($0) }
        return (ChatMessage.turn(text, system: system), try tokenizer.chatTemplate(override: format))
    }
}
