/// What a validated request asks of a generation, in plain values (the serving side turns them into
/// its sampler's configuration): every range checked, every unsupported option refused.
public struct CompletionSettings: Sendable, Equatable {
    /// Most completion tokens; nil means the rest of the context.
    public var maxTokens: Int?
    /// 0 is greedy. OpenAI's default is 1.
    public var temperature: Double
    public var topP: Double
    /// 0: off.
    public var topK: Int
    public var minP: Double
    public var repetitionPenalty: Double
    /// The sampler's seed (a fresh random one when the request has none).
    public var seed: UInt64
    /// Text that ends the completion; it is not part of the returned text.
    public var stop: [String]
    public var stream: Bool
    /// Streaming: a last chunk with `usage`.
    public var includeUsage: Bool

    /// Most stop strings accepted.
    public static let maxStopStrings = 16

    /// Checks `sampling` and the length and streaming fields the two endpoints share.
    /// - Parameter maxTokensParam: the field name used in errors (`max_tokens` or `max_completion_tokens`).
    public init(
        sampling s: SamplingFields, maxTokens: Int?, stream: Bool?, streamOptions: StreamOptions?,
        maxTokensParam: String = "max_tokens"
    ) throws(OpenAIError) {
        if let maxTokens, maxTokens < 1 {
            throw .invalidValue(
                maxTokensParam, "integer below minimum value. Expected a value >= 1, but got \(maxTokens) instead.",
                code: "integer_below_min_value")
        }
        self.maxTokens = maxTokens
        if let n = s.n, n != 1 {
            throw .unsupported("n", "this server returns one choice per request (n = 1), got \(n).")
        }
        if let bestOf = s.bestOf, bestOf != 1 {
            throw .unsupported("best_of", "this server returns one choice per request (best_of = 1), got \(bestOf).")
        }
        if s.logprobs?.isRequested == true {
            throw .unsupported("logprobs", "log probabilities are not returned by this server.")
        }
        let temperature = s.temperature ?? 1
        guard temperature.isFinite, (0...2).contains(temperature) else {
            throw .invalidValue("temperature", "expected a value between 0 and 2, but got \(temperature) instead.")
        }
        self.temperature = temperature
        let topP = s.topP ?? 1
        // The sampler works in Float: a positive Double that rounds to Float 0 (4.9e-324) is 0 there.
        guard topP.isFinite, Float(topP) > 0, topP <= 1 else {
            throw .invalidValue("top_p", "expected a value in (0, 1], but got \(topP) instead.")
        }
        self.topP = topP
        let topK = s.topK ?? 0
        guard topK >= -1 else {
            throw .invalidValue("top_k", "expected -1 or 0 (off) or a positive count, but got \(topK) instead.")
        }
        self.topK = max(0, topK)
        let minP = s.minP ?? 0
        guard minP.isFinite, (0...1).contains(minP) else {
            throw .invalidValue("min_p", "expected a value between 0 and 1, but got \(minP) instead.")
        }
        self.minP = minP
        let penalty = s.repetitionPenalty ?? 1
        guard penalty.isFinite, Float(penalty) > 0, penalty <= 10 else {
            throw .invalidValue(
                "repetition_penalty", "expected a value in (0, 10], but got \(penalty) instead.")
        }
        repetitionPenalty = penalty
        for (name, value) in [("presence_penalty", s.presencePenalty), ("frequency_penalty", s.frequencyPenalty)] {
            guard let value else { continue }
            guard value.isFinite, (-2...2).contains(value) else {
                throw .invalidValue(name, "expected a value between -2 and 2, but got \(value) instead.")
            }
            guard value == 0 else {
                throw .unsupported(name, "only 0 is supported (use repetition_penalty), got \(value).")
            }
        }
        seed = s.seed.map { UInt64(bitPattern: $0) } ?? UInt64.random(in: 0...UInt64.max)
        let stop = s.stop?.strings ?? []
        guard stop.count <= Self.maxStopStrings else {
            throw .invalidValue(
                "stop", "at most \(Self.maxStopStrings) stop sequences are accepted, got \(stop.count).")
        }
        self.stop = stop.filter { !$0.isEmpty }
        self.stream = stream ?? false
        if streamOptions != nil, !self.stream {
            throw OpenAIError(
                status: 400, message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                type: "invalid_request_error", param: "stream_options", code: "invalid_value")
        }
        includeUsage = streamOptions?.includeUsage ?? false
    }
}
