/// The seeded PRNG of verification and drafting: xoshiro256** seeded through splitmix64, the same
/// generator as `TandemModel.SamplerRNG`, so streams are reproducible and identical across the two.
/// The rules are generic over `RandomNumberGenerator`, so `SamplerRNG` can be used directly later.
public struct DecodingRNG: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var state = seed
        func splitmix() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }
}

extension RandomNumberGenerator {
    /// A uniform double in [0, 1) with 53 bits of randomness (as `SamplerRNG.nextUnit`).
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

/// Draws an index with probability proportional to `weights` (non-negative, not all zero), walking
/// the cumulative sum as `TandemModel.Sampler` does. Returns nil when no weight is positive.
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
