import TandemGGUF

@testable import TandemKernels

/// Deterministic xorshift generator so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

func randomFloats(_ n: Int, scale: Float = 1, seed: UInt64) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<n).map { _ in Float.random(in: -scale...scale, using: &rng) }
}

/// Bit patterns, for `==` comparisons that treat -0/+0 and NaNs strictly.
func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

let matmulTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q4_K, .q6_K]

/// A rows×cols matrix of random weights quantized to `type`.
func randomMatrix(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) throws -> WeightMatrix {
    let values = randomFloats(rows * cols, scale: 0.5, seed: seed)
    let bytes = try Quantizer.quantize(values, as: type)
    return try WeightMatrix(name: "w.\(type)", type: type, rows: rows, cols: cols, bytes: bytes)
}

/// The activation type a weight type's dot product uses.
func activationType(for type: GGMLType) -> GGMLType? {
    switch type {
    case .q8_0, .q4_0, .q4_1, .q5_0: return .q8_0
    case .q4_K, .q6_K: return .q8_K
    default: return nil
    }
}
