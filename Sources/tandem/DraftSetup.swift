import Foundation
import TandemClient
import TandemDecoding
import TandemModel
import TandemTokenizer

/// What every remote mode of `tandem generate` (assisted, routed, failover) starts from: the draft
/// model, its tokenizer (which must match the server's), and the prompt in its ids.
struct DraftSetup {
    let draft: Model
    let tokenizer: Tokenizer
    /// The draft file's name, shown in the server's refusal when tokenizers differ.
    let draftName: String
    let prompt: [Int]

    /// Loads the draft at `draftPath` and builds the prompt (`parsed` ids, or the text, chat-wrapped
    /// with `--chat`). `mode` names the generation in the missing-tokenizer error ("assisted").
    init(draftPath: String, parsed: [Int]?, options: ModelRunOptions, chatOptions: ChatOptions, mode: String) throws {
        draft = try options.loadModel(path: draftPath)
        guard let tokenizer = TokenText.tokenizer(for: draft.file) else {
            throw CommandLineError("\(draftPath) has no usable tokenizer; \(mode) generation needs one to match the server's")
        }
        self.tokenizer = tokenizer
        draftName = (draftPath as NSString).lastPathComponent
        var prompt = try options.promptTokens(parsed: parsed, tokenizer: tokenizer)
        if parsed == nil, let text = options.prompt, chatOptions.isChat {
            prompt = try chatOptions.promptIDs(text, tokenizer: tokenizer)
        }
        self.prompt = prompt
    }

    /// The request for this prompt; it stops at the tokenizer's end-of-generation ids unless `ignoreEos`.
    func request(sampling: SamplingParameters, maxTokens: Int, ignoreEos: Bool) -> SessionRequest {
        SessionRequest(prompt: prompt, sampling: sampling, maxTokens: maxTokens,
                       stopTokens: ignoreEos ? [] : tokenizer.endOfGenerationIDs)
    }
}

/// The output side shared by the remote modes of `tandem generate`: streamed text on stdout, then
/// one JSON object (`--json`) or a stats block on stderr.
enum ClientRun {
    /// Prints a streamed piece of text unless the output is JSON.
    static func show(_ text: String, json: Bool) {
        guard !json else { return }
        print(text, terminator: "")
        fflush(nil)
    }

    /// Streams the text of `events` (unless `json`) and returns the result and the whole text.
    static func consume(_ events: AsyncThrowingStream<AssistedEvent, any Error>,
                        json: Bool) async throws -> (result: GenerationResult, text: String) {
        var final: (GenerationResult, String)?
        for try await event in events {
            switch event {
            case let .token(_, text):
                show(text, json: json)
            case let .finished(result, text):
                final = (result, text)
            }
        }
        guard let (result, text) = final else { throw CancellationError() }
        return (result, text)
    }

    /// `{"tokens":…,"text":…,<extra>,"stats":…}`: `extra` are already-encoded `"key":value` members.
    static func json(_ result: GenerationResult, text: String, extra: [String] = []) throws -> String {
        let members = ["\"tokens\":\(JSONText.ints(result.tokens))", "\"text\":\(JSONText.string(text))"]
            + extra + ["\"stats\":\(try StatsText.json(result.stats))"]
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Ends the streamed text and writes `block` (the stats for people) to stderr.
    static func finishText(block: String) {
        print("")
        FileHandle.standardError.write(Data(block.utf8))
    }
}
