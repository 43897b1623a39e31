import TandemSampling

/// Where the verification rules get p (and the drafter q): the engine's own `Sampler`, so a
/// distribution is exactly the one the target (or the draft) would sample from alone.
public enum SamplingDistribution {
    /// The default factory for verifiers and drafters; throws `GenerationError.invalidSampling` for
    /// out-of-range parameters.
    public static let factory: ShaperFactory = { parameters in
        try parameters.validateForSession()
        return try Sampler(config: parameters)
    }
}

/// Index of the largest value, ties to the lowest index; NaNs never win. 0 for empty input.
func argmax(_ values: [Float]) -> Int { Sampler.argmax(values) }

/// The engine's sampler already has `distribution(_:recent:)`: p and q are then exactly what the
/// engine would sample from alone.
extension Sampler: DistributionShaper {}
