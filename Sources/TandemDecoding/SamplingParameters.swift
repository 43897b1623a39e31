/// How tokens are chosen: the fields of `TandemModel.SamplerConfig`, as a `Codable` value the wire
/// can carry (the model's config is not `Codable` and TandemWire must not depend on the engine).
///
/// Filters apply in llama.cpp's order: repetition penalty → top-k → top-p → min-p → temperature.
public struct SamplingParameters: Sendable, Equatable, Hashable, Codable {
    /// ≤ 0 means greedy (argmax, ties to the lowest id).
    public var temperature: Float
    /// Keep the k most likely tokens; 0 disables.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 disables.
    public var topP: Float
    /// Drop tokens below minP × the top probability; 0 disables.
    public var minP: Float
    /// Repetition penalty over the last `repeatLastN` tokens; 1 disables.
    public var repeatPenalty: Float
    /// Tokens the penalty looks at (0 disables, -1 means all).
    public var repeatLastN: Int
    /// Seed of the verifier's PRNG; the drafter derives its own from it.
    public var seed: UInt64

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                repeatPenalty: Float = 1, repeatLastN: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.seed = seed
    }

    /// Argmax decoding, no filters.
    public static let greedy = SamplingParameters(temperature: 0)

    /// True when tokens are chosen by argmax.
    public var isGreedy: Bool { temperature <= 0 }

    /// Throws `DecodingError.invalidSampling` for values outside their ranges.
    public func validate() throws {
        guard temperature.isFinite else { throw DecodingError.invalidSampling(parameter: "temperature", reason: "must be finite") }
        guard topK >= 0 else { throw DecodingError.invalidSampling(parameter: "top-k", reason: "must be ≥ 0, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw DecodingError.invalidSampling(parameter: "top-p", reason: "must be in (0, 1], got \(topP)") }
        guard minP >= 0, minP <= 1 else { throw DecodingError.invalidSampling(parameter: "min-p", reason: "must be in [0, 1], got \(minP)") }
        guard repeatPenalty > 0, repeatPenalty.isFinite else {
            throw DecodingError.invalidSampling(parameter: "repeat-penalty", reason: "must be > 0, got \(repeatPenalty)")
        }
        guard repeatLastN >= -1 else { throw DecodingError.invalidSampling(parameter: "repeat-last-n", reason: "must be ≥ -1, got \(repeatLastN)") }
    }
}
