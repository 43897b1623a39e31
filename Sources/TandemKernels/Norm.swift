extension Kernels {
    /// Row-wise RMSNorm over k rows of `weight.count` values: y = x / sqrt(mean(x²) + eps) · weight.
    ///
    /// As ggml: the sum of squares accumulates in Double; scale = 1/sqrtf(mean + eps); y = (x·scale)·w.
    /// Preconditions (caller bugs): x.count and y.count ≥ k·weight.count.
    public static func rmsNorm(_ x: [Float], weight: [Float], eps: Float, count k: Int, output y: inout [Float]) {
        let n = weight.count
        precondition(
            k >= 0 && n > 0 && x.count >= k * n && y.count >= k * n, "rmsNorm: buffers too small for \(k)×\(n)")
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    for j in 0..<k {
                        let row = xp.baseAddress! + j * n
                        var sum: Double = 0
                        for i in 0..<n { sum += Double(row[i] * row[i]) }
                        let mean = Float(sum / Double(n))
                        let scale = 1 / (mean + eps).squareRoot()
                        let out = yp.baseAddress! + j * n
                        for i in 0..<n { out[i] = (row[i] * scale) * wp[i] }
                    }
                }
            }
        }
    }
}
