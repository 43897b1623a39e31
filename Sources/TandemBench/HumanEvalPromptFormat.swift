import TandemTokenizer

/// How a HumanEval problem is put to a model.
///
/// `raw` hands the prompt (signature and docstring) to the model to continue, as for a base model.
/// Instruct models often answer that with a placeholder (`# Your code here` / `pass`): measured on
/// Qwen2.5-Coder-1.5B-Instruct, 17 of problems 80–163. `chat` asks in the model's chat template and
/// opens the assistant's answer with a Python code fence and the prompt itself, so the model continues
/// the function body in its own answer (the way instruct-model harnesses such as EvalPlus prompt);
/// the completion ends at the closing fence or the usual stop strings, and the harness runs
/// prompt + completion either way.
public enum HumanEvalPromptFormat: String, Sendable, Codable, CaseIterable {
    case raw
    case chat

    /// What the user turn asks in `chat`.
    public static let instruction =
        "Complete the following Python function. Answer with the whole function in one Python code block."

    /// The prompt's token ids for `problem`.
    /// - Throws: `TokenizerError` when `chat` is asked of a model without a recognised chat template.
    public func promptIDs(_ problem: HumanEvalProblem, tokenizer: Tokenizer) throws -> [Int] {
        switch self {
        case .raw:
            return tokenizer.encode(problem.prompt, parseSpecial: true)
        case .chat:
            let template = try tokenizer.chatTemplate()
            let ask = "\(Self.instruction)\n```python\n\(problem.prompt)```"
            let head = template.render(ChatMessage.turn(ask), addGenerationPrompt: true)
            // The answer's opening is the user's code, not template text: no special tokens parsed.
            return tokenizer.encode(head, parseSpecial: true)
                + tokenizer.encode("```python\n" + problem.prompt, addBOS: false, parseSpecial: false)
        }
    }

    /// Stop strings beyond HumanEval's usual ones: the code block's closing fence in `chat`.
    public var extraStops: [String] { self == .chat ? ["\n```"] : [] }
}
