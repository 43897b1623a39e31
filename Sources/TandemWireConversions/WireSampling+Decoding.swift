import TandemDecoding
import TandemWire

extension WireSampling {
    /// The wire form of the decoding core's sampling parameters.
    public init(_ parameters: SamplingParameters) {
        self.init(
            temperature: parameters.temperature, topK: parameters.topK, topP: parameters.topP, minP: parameters.minP,
            repeatPenalty: parameters.repeatPenalty, repeatLastN: parameters.repeatLastN, seed: parameters.seed)
    }

    /// The decoding core's sampling parameters (not yet range-checked; `SessionRequest.validate` does that).
    public var parameters: SamplingParameters {
        SamplingParameters(
            temperature: temperature, topK: topK, topP: topP, minP: minP,
            repeatPenalty: repeatPenalty, repeatLastN: repeatLastN, seed: seed)
    }
}

extension WireDistribution {
    /// The wire form of a draft's q.
    public init(_ distribution: SparseDistribution) {
        self.init(ids: distribution.ids, probabilities: distribution.probabilities)
    }

    /// The decoding core's view of this q.
    public var distribution: SparseDistribution { SparseDistribution(ids: ids, probabilities: probabilities) }
}
