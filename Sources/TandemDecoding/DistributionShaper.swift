/// Turns one position's logits into the distribution a sampler would draw from.
///
/// The verification rules need p (and the drafter q) as whole distributions, not just a drawn token.
/// `TandemSampling.Sampler` has exactly this method (`distribution(_:recent:)`), so once the engine lands
/// it can be plugged in with an empty conformance; until then `SamplingDistribution` mirrors it.
public protocol DistributionShaper: Sendable {
    /// Full-vocabulary probabilities after every filter and the temperature (one-hot for greedy).
    /// `recent` is the sequence so far, oldest first (for the repetition penalty).
    func distribution(_ logits: [Float], recent: [Int]) -> [Float]
}

/// Makes the shaper for a session's sampling parameters.
public typealias ShaperFactory = @Sendable (SamplingParameters) throws -> any DistributionShaper
