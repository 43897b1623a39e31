/// Why a generation ended.
public enum FinishReason: Sendable, Equatable, Codable {
    /// A stop token (EOS) was generated; it is the last token.
    case stopToken(Int)
    /// The token limit was reached.
    case maxTokens
    /// The context is full.
    case contextFull
    /// The text contains this stop string; the token completing it is the last token.
    case stopString(String)
    /// The verifier ended the session for a reason the client did not see coming.
    case verifierFinished
}

/// The outcome of a generation.
public struct GenerationResult: Sendable, Equatable {
    /// The generated tokens (not including the prompt).
    public var tokens: [Int]
    public var finishReason: FinishReason
    /// Raw tallies (aggregate these across generations).
    public var counters: GenerationCounters
    /// The metrics.
    public var stats: GenerationStats { GenerationStats(counters) }

    /// A result, for generators outside this module (the network baselines).
    public init(tokens: [Int], finishReason: FinishReason, counters: GenerationCounters) {
        self.tokens = tokens
        self.finishReason = finishReason
        self.counters = counters
    }
}

/// What a generation yields: each token as soon as it is agreed, then the result.
public enum GenerationEvent: Sendable, Equatable {
    case token(Int)
    case finished(GenerationResult)
}

/// Stop strings and the detokenizer needed to see them (no tokenizer dependency here).
public struct StopStrings: Sendable {
    public var strings: [String]
    /// Text of a token sequence (the generated tokens so far).
    public var detokenize: @Sendable ([Int]) -> String

    public init(_ strings: [String], detokenize: @escaping @Sendable ([Int]) -> String) {
        self.strings = strings.filter { !$0.isEmpty }
        self.detokenize = detokenize
    }

    /// The first stop string the text of `tokens` contains. Decodes the whole generation each call
    /// (quadratic over a generation, fine at these lengths): a stop string can span tokens and a
    /// token's text can depend on its neighbours (UTF-8 split across byte tokens).
    func match(_ tokens: [Int]) -> String? {
        guard !strings.isEmpty else { return nil }
        let text = detokenize(tokens)
        return strings.first { text.contains($0) }
    }
}

/// Anything that turns a request into a stream of tokens: the assisted generator and the baselines.
public protocol TokenGenerator: Sendable {
    /// Runs one generation. Cancelling the consumer's task (or dropping the stream) stops it.
    func generate(_ request: SessionRequest, stopStrings: StopStrings?) -> AsyncThrowingStream<
        GenerationEvent, any Error
    >
}

extension TokenGenerator {
    /// Runs one generation to the end and returns its result.
    public func run(_ request: SessionRequest, stopStrings: StopStrings? = nil) async throws -> GenerationResult {
        for try await event in generate(request, stopStrings: stopStrings) {
            if case .finished(let result) = event { return result }
        }
        // The stream only ends without a result when the generation was cancelled.
        throw CancellationError()
    }
}
