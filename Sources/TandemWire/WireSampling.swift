/// How the target chooses tokens, as `open` carries it: the wire's own plain type, which the server
/// turns into the engine's sampler configuration (and the client builds from its own).
///
/// Filters apply in llama.cpp's order: repetition penalty → top-k → top-p → min-p → temperature.
/// Ranges are checked by the server (an out-of-range value answers `invalid_request`), not here.
public struct WireSampling: Sendable, Equatable, Hashable, Codable {
    /// ≤ 0 means greedy (argmax, ties to the lowest id).
    public var temperature: Float
    /// Keep the k most likely tokens; 0 disables.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 disables.
    public var topP: Float
    /// Drop tokens whose probability is below min_p × the top probability; 0 disables.
    public var minP: Float
    /// Positive logits of recent tokens are divided by it, negative ones multiplied; 1 disables.
    public var repeatPenalty: Float
    /// How many recent tokens the penalty looks at (0 disables, -1 means all).
    public var repeatLastN: Int
    /// Seed of the target's random draws.
    public var seed: UInt64

    public init(
        temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0,
        repeatPenalty: Float = 1, repeatLastN: Int = 64, seed: UInt64 = 0
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case temperature, seed
        case topK = "top_k"
        case topP = "top_p"
        case minP = "min_p"
        case repeatPenalty = "repeat_penalty"
        case repeatLastN = "repeat_last_n"
    }

    /// Argmax decoding, no filters.
    public static let greedy = WireSampling(temperature: 0)
}
