extension RandomNumberGenerator {
    /// A uniform double in [0, 1) with 53 bits of randomness (as `SamplerRNG.nextUnit`).
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

/// Draws an index with probability proportional to `weights` (non-negative, not all zero), walking
/// the cumulative sum as `TandemSampling.Sampler` does. Returns nil when no weight is positive.
func drawIndex<R: RandomNumberGenerator>(_ weights: [Double], using rng: inout R) -> Int? {
    let total = weights.reduce(0, +)
    guard total > 0, total.isFinite else { return nil }
    let u = rng.nextUnit() * total
    var cumulative = 0.0
    for (i, w) in weights.enumerated() {
        cumulative += w
        if u < cumulative { return i }
    }
    // Rounding left u at the very top: the last index with weight.
    return weights.lastIndex(where: { $0 > 0 })
}
