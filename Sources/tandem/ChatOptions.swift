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
        let format = try chatFormat.map { try ChatFormat.named($0) }
        return try tokenizer.promptIDs(text, chat: isChat, format: format, system: system)
    }
}
