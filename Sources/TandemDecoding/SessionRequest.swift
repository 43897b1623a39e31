import TandemSampling

/// What a client asks a verifier to open: the sequence so far, how to sample, and when to stop.
public struct SessionRequest: Sendable, Equatable, Codable {
    /// The agreed sequence to start from (the prompt, or the whole sequence when re-opening to resync).
    /// Must hold at least one token.
    public var prompt: [Int]
    /// The target's sampling; greedy selects greedy verification, anything else the lossless sampled rule.
    public var sampling: SamplingParameters
    /// Most tokens to generate after `prompt`.
    public var maxTokens: Int
    /// Tokens that end the generation when produced (EOS, end-of-turn); they are emitted, then it stops.
    public var stopTokens: [Int]

    public init(prompt: [Int], sampling: SamplingParameters = .greedy, maxTokens: Int, stopTokens: [Int] = []) {
        self.prompt = prompt
        self.sampling = sampling
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
    }

    /// Throws the first problem found: empty prompt, ids outside `vocabularySize`, a prompt longer than
    /// `contextLength`, a negative token limit, bad sampling parameters.
    public func validate(vocabularySize: Int, contextLength: Int) throws {
        guard !prompt.isEmpty else { throw GenerationError.emptyPrompt }
        for token in prompt + stopTokens where token < 0 || token >= vocabularySize {
            throw GenerationError.tokenOutOfRange(token: token, vocabularySize: vocabularySize)
        }
        guard prompt.count <= contextLength else {
            throw GenerationError.promptTooLong(count: prompt.count, contextLength: contextLength)
        }
        guard maxTokens >= 0 else {
            throw GenerationError.invalidLimit(name: "max tokens", reason: "must be ≥ 0, got \(maxTokens)")
        }
        try sampling.validateForSession()
    }
}
