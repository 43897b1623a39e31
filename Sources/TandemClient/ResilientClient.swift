import TandemDecoding
import TandemTokenizer

/// What a resilient generation streams: tokens with their text and source, markers when the source
/// changes (a verifier lost for good, or one answering again), then the result.
public enum ResilientClientEvent: Sendable, Equatable {
    /// An agreed token, the text it adds, and whether a verifier agreed to it or the draft made it alone.
    case token(id: Int, text: String, source: TokenSource)
    /// From here on tokens come from `source`; `reason` says why.
    case source(TokenSource, reason: String)
    /// The generation ended; `text` is all of it.
    case finished(GenerationResult, text: String)
}

/// Assisted generation that keeps going when servers fail: a `FailoverVerifier` moves the sequence
/// between compatible verifiers, and when none is reachable the draft continues alone until one
/// answers again (`ResilientGenerator`).
public struct ResilientClient: Sendable {
    public let verifier: FailoverVerifier
    private let generator: ResilientGenerator
    private let tokenizer: Tokenizer?

    public init(
        drafter: any Drafter, verifier: FailoverVerifier, policy: any WindowPolicy, tokenizer: Tokenizer? = nil,
        configuration: ResilientGenerator.Configuration = .init()
    ) {
        self.verifier = verifier
        self.tokenizer = tokenizer
        generator = ResilientGenerator(
            drafter: drafter, verifier: verifier, policy: policy, configuration: configuration)
    }

    /// Runs one generation; cancelling the consumer (or dropping the stream) stops it.
    public func generate(_ request: SessionRequest, stopStrings: [String] = []) -> AsyncThrowingStream<
        ResilientClientEvent, any Error
    > {
        let events = generator.events(request, stopStrings: TextStreamer.stopStrings(stopStrings, tokenizer: tokenizer))
        return TextStreamer.relay(events, tokenizer: tokenizer, state: TokenSource.verified) {
            event, streamer, source in
            switch event {
            case .token(let id):
                return .token(id: id, text: streamer.feed(id), source: source)
            case .source(let new, let reason):
                source = new
                return .source(new, reason: reason)
            case .finished(let result):
                return .finished(result, text: streamer.finish())
            }
        }
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
