import Foundation

/// How RoPE pairs the dimensions of a head.
public enum RoPEStyle: Sendable {
    /// llama (`LLAMA_ROPE_TYPE_NORM`): rotates (x[2i], x[2i+1]).
    case adjacentPairs
    /// qwen2 (NEOX): rotates (x[i], x[i + ropeDims/2]).
    case halves
}

extension Kernels {
    /// Rotates k rows of `heads·headDim` values in place; row j is at `positions[j]`.
    ///
    /// θ_i = pos · base^(−2i/ropeDims) (÷ freqFactors[i] when given: Llama 3.1 `rope_freqs`);
    /// only the first `ropeDims` of each head rotate. Angles are computed as ggml does (float,
    /// θ scale raised by repeated multiplication), so results track llama.cpp closely.
    /// Preconditions (caller bugs): x.count ≥ k·heads·headDim, positions.count ≥ k,
    /// 0 < ropeDims ≤ headDim and even, freqFactors.count ≥ ropeDims/2.
    public static func rope(
        _ x: inout [Float], count k: Int, heads: Int, headDim: Int, ropeDims: Int,
        positions: [Int], base: Float, freqFactors: [Float]?, style: RoPEStyle
    ) {
        precondition(k >= 0 && heads > 0 && headDim > 0 && x.count >= k * heads * headDim, "rope: buffer too small")
        precondition(positions.count >= k, "rope: \(positions.count) positions for \(k) rows")
        precondition(ropeDims > 0 && ropeDims <= headDim && ropeDims % 2 == 0, "rope: bad ropeDims \(ropeDims)")
        let half = ropeDims / 2
        if let freqFactors { precondition(freqFactors.count >= half, "rope: too few freqFactors") }
        let thetaScale = powf(base, -2.0 / Float(ropeDims))
        var cosines = [Float](repeating: 0, count: half)
        var sines = [Float](repeating: 0, count: half)
        x.withUnsafeMutableBufferPointer { xp in
            for j in 0..<k {
                var theta = Float(positions[j])
                for i in 0..<half {
                    let factor = freqFactors?[i] ?? 1
                    let angle = theta / factor
                    cosines[i] = cosf(angle)
                    sines[i] = sinf(angle)
                    theta *= thetaScale
                }
                for h in 0..<heads {
                    let v = xp.baseAddress! + (j * heads + h) * headDim
                    for i in 0..<half {
                        let (a, b) = style == .adjacentPairs ? (2 * i, 2 * i + 1) : (i, i + half)
                        let x0 = v[a]
                        let x1 = v[b]
                        v[a] = x0 * cosines[i] - x1 * sines[i]
                        v[b] = x0 * sines[i] + x1 * cosines[i]
                    }
                }
            }
        }
    }
}
