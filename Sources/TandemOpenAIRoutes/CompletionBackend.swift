import TandemDecoding
import TandemOpenAI

/// What the OpenAI routes generate with: the verifier's own target-only path (`tandem serve`) or
/// assisted decoding with a local draft (`tandem proxy`). One call, one session.
public protocol CompletionBackend: Sendable {
    /// Starts one generation; the stream yields each final token, then the result, and stops the
    /// generation when dropped. Throws an `OpenAIError` (e.g. 429 when every session slot is taken)
    /// when it cannot start.
    func generate(_ request: SessionRequest, stopStrings: StopStrings?) throws -> AsyncThrowingStream<
        GenerationEvent, any Error
    >

    /// The response's `tandem` extension field for a finished generation (nil: none).
    func stats(_ result: GenerationResult) -> TandemCompletionStats?
}

extension TandemCompletionStats {
    /// The extension field from a generation's stats.
    public init(mode: String, _ s: GenerationStats) {
        self.init(
            mode: mode, acceptanceRate: s.acceptanceRate, tokensPerRound: s.tokensPerRound,
            cloudPassesPerToken: s.cloudPassesPerToken, localTokens: s.localTokens, failovers: s.failovers,
            rounds: s.rounds, tokensPerS: s.tokensPerS, ttftMs: s.ttftMs)
    }
}
