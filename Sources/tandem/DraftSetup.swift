import Foundation
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemTokenizer

/// What every remote mode of `tandem generate` (assisted, routed, failover) starts from: the draft
/// model, its tokenizer (which must match the server's), and the prompt in its ids.
struct DraftSetup {
    let draft: Model
    let tokenizer: Tokenizer
    /// The draft file's name, shown in the server's refusal when tokenizers differ.
    let draftName: String
    let prompt: [Int]
    /// The request for this prompt; it stops at the tokenizer's end-of-generation ids unless `--ignore-eos`.
    let request: SessionRequest
    /// With `--chat` and `--prompt`: the conversation and template `prompt` was rendered from (what
    /// the library's `AssistedChat` takes).
    let chat: (messages: [ChatMessage], template: ChatTemplate)?

    /// Loads the draft at `draftPath` and builds the prompt (`--tokens` ids, or the text, chat-wrapped
    /// with `--chat`). `mode` names the generation in the missing-tokenizer error ("assisted").
    init(draftPath: String, inputs: GenerateInputs, mode: String) throws {
        let options = inputs.options
        let chatOptions = inputs.chatOptions
        let parsed = inputs.parsedPrompt
        draft = try options.loadModel(path: draftPath)
        guard let tokenizer = TokenText.tokenizer(for: draft.file) else {
            throw CommandLineError(
                "\(draftPath) has no usable tokenizer; \(mode) generation needs one to match the server's")
        }
        self.tokenizer = tokenizer
        draftName = (draftPath as NSString).lastPathComponent
        var prompt = try options.promptTokens(parsed: parsed, tokenizer: tokenizer)
        if parsed == nil, let text = options.prompt, let turn = try chatOptions.turn(text, tokenizer: tokenizer) {
            chat = turn
            prompt = tokenizer.chatPromptIDs(turn.messages, template: turn.template)
        } else {
            chat = nil
        }
        self.prompt = prompt
        request = SessionRequest(
            prompt: prompt, sampling: inputs.sampling, maxTokens: inputs.maxTokens,
            stopTokens: inputs.ignoreEos ? [] : tokenizer.endOfGenerationIDs)
    }
}
