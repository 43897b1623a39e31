import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemSecurity
import TandemTokenizer

/// Routing-mode generation against a remote verifier: the local draft model generates on its own and
/// hands only low-confidence positions to the server (`RoutedGenerator`); final tokens and their text
/// arrive as an `AsyncSequence` of the same events as assisted generation.
public struct RoutedClient: Sendable {
    public let verifier: RemoteVerifier
    private let generator: RoutedGenerator
    private let tokenizer: Tokenizer?

    /// - Parameters:
    ///   - draft: a session of the draft model (handed over).
    ///   - verifier: the connection to the server.
    ///   - configuration: the routing policy, span, lookahead and timeout.
    ///   - tokenizer: turns tokens into text; without it events carry empty text.
    public init(
        draft: sending some LanguageModelSession, verifier: RemoteVerifier,
        configuration: RoutedGenerator.Configuration, tokenizer: Tokenizer? = nil
    ) {
        self.verifier = verifier
        self.tokenizer = tokenizer
        generator = RoutedGenerator(
            draft: draft, queue: ComputeQueue(label: "tandem.draft"), verifier: verifier,
            configuration: configuration, shaper: SamplingDistribution.factory)
    }

    /// A client generating with `draft` (the engine's model) and routing to the server at `server`
    /// (`ws://host:port`). `timeout` bounds connecting and each exchange on the socket; the
    /// generator's `routeTimeout` is how long it waits for an answer before keeping its own token.
    public init(
        draft: Model, draftName: String, tokenizer: Tokenizer, server: String,
        configuration: RoutedGenerator.Configuration, timeout: Duration = .seconds(10), maxReconnects: Int = 2,
        security: ClientSecurity = ClientSecurity(), apiKey: String? = nil
    ) {
        let verifier = RemoteVerifier(
            .init(
                url: server, draftFingerprint: tokenizer.fingerprint, draftModel: draftName,
                timeout: timeout, maxReconnects: maxReconnects, security: security, apiKey: apiKey))
        self.init(draft: draft.makeSession(), verifier: verifier, configuration: configuration, tokenizer: tokenizer)
    }

    /// Runs one generation; cancelling the consumer (or dropping the stream) stops it.
    public func generate(_ request: SessionRequest, stopStrings: [String] = []) -> AsyncThrowingStream<
        AssistedEvent, any Error
    > {
        let events = generator.generate(
            request, stopStrings: TextStreamer.stopStrings(stopStrings, tokenizer: tokenizer))
        return TextStreamer.assistedEvents(events, tokenizer: tokenizer)
    }
}
