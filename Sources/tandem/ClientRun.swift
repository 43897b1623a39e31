import Foundation
import TandemClient
import TandemDecoding
import TandemProxy
import TandemSecurity
import TandemTokenizer

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
    static func consume(
        _ events: AsyncThrowingStream<AssistedEvent, any Error>,
        json: Bool
    ) async throws -> (result: GenerationResult, text: String) {
        var final: (GenerationResult, String)?
        for try await event in events {
            switch event {
            case .token(_, let text):
                show(text, json: json)
            case .finished(let result, let text):
                final = (result, text)
            }
        }
        guard let (result, text) = final else { throw CancellationError() }
        return (result, text)
    }

    /// Ends the streamed text and writes `block` (the stats for people) to stderr.
    static func finishText(block: String) {
        print("")
        FileHandle.standardError.write(Data(block.utf8))
    }

    /// `--chat --prompt` in a remote mode: the reply through the library's `AssistedChat` (the path
    /// `tandem proxy` serves), its text streamed unless `--json`; returns the generation, its text and
    /// the verifier's reconnects. `timeout` is the plain client's own, so the run behaves as before.
    static func chatReply(
        _ setup: DraftSetup, inputs: GenerateInputs, verification: ProxyVerification,
        makePolicy: @escaping @Sendable () -> any WindowPolicy = { ConfidenceStoppingWindow() }, timeout: Duration,
        security: ClientSecurity = ClientSecurity()
    ) async throws -> (GenerationResult, String, Int) {
        guard let turn = setup.chat else { throw CommandLineError("--chat needs --prompt TEXT") }
        let chat = AssistedChat(
            draft: setup.draft, draftName: setup.draftName, tokenizer: setup.tokenizer,
            configuration: ProxyConfiguration(
                verification: verification, makePolicy: makePolicy, timeout: timeout, security: security,
                apiKey: inputs.apiKey),
            chatTemplate: turn.template)
        // As the token path does, a --max-tokens past the draft's context ends at the full context.
        let room = max(0, setup.draft.config.contextLength - setup.prompt.count)
        var final: AssistedChatReply?
        let events = chat.reply(
            to: turn.messages, maxTokens: min(inputs.maxTokens, room), sampling: inputs.sampling,
            endOfTurnStops: !inputs.ignoreEos)
        for try await event in events {
            switch event {
            case .text(let piece): show(piece, json: inputs.json)
            case .finished(let reply): final = reply
            }
        }
        guard let reply = final else { throw CancellationError() }
        return (reply.result, reply.text, reply.reconnects)
    }
}
