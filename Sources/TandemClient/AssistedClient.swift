import TandemDecoding
import TandemTokenizer

/// What an assisted generation streams: each agreed token with the text it completes, then the result.
public enum AssistedEvent: Sendable, Equatable {
    /// An agreed token and the text it adds (may be empty while a UTF-8 character is incomplete).
    case token(id: Int, text: String)
    /// The generation ended; `text` is all of it.
    case finished(GenerationResult, text: String)
}

/// Assisted generation against a remote verifier: a local drafter proposes, the server verifies, and
/// the agreed tokens and their text arrive as an `AsyncSequence`.
public struct AssistedClient: Sendable {
    public let verifier: RemoteVerifier
    private let generator: AssistedGenerator
    private let tokenizer: Tokenizer?

    /// - Parameters:
    ///   - drafter: the local draft (e.g. a `ModelDrafter` over the draft model's session).
    ///   - verifier: the connection to the server.
    ///   - policy: how many drafts each round proposes.
    ///   - tokenizer: turns tokens into text; without it events carry empty text.
    ///   - preemptive: draft the next window on the server's provisional verdicts (the verifier must be
    ///     configured with `preemptive` so the server sends them).
    ///   - proactive: draft the next window while the current one is being verified (`ProactiveDrafting`).
    public init(
        drafter: any Drafter, verifier: RemoteVerifier, policy: any WindowPolicy, tokenizer: Tokenizer? = nil,
        preemptive: Bool = false, proactive: Bool = false
    ) {
        self.verifier = verifier
        self.tokenizer = tokenizer
        generator = AssistedGenerator(
            drafter: drafter, verifier: verifier, policy: policy, preemptive: preemptive,
            proactive: proactive)
    }

    /// Runs one generation; cancelling the consumer (or dropping the stream) stops it.
    public func generate(_ request: SessionRequest, stopStrings: [String] = []) -> AsyncThrowingStream<
        AssistedEvent, any Error
    > {
        let events = generator.generate(
            request, stopStrings: TextStreamer.stopStrings(stopStrings, tokenizer: tokenizer))
        return TextStreamer.assistedEvents(events, tokenizer: tokenizer)
    }

    /// Runs one generation to its end.
    public func run(_ request: SessionRequest, stopStrings: [String] = []) async throws -> (
        result: GenerationResult, text: String
    ) {
        for try await event in generate(request, stopStrings: stopStrings) {
            if case .finished(let result, let text) = event { return (result, text) }
        }
        throw CancellationError()
    }
}
