import Foundation

extension Kernels {
    /// gate[i] = silu(gate[i]) · up[i] for i < n, with silu(x) = x / (1 + e^(−x)) (as ggml).
    public static func siluMul(_ gate: inout [Float], _ up: [Float], count n: Int) {
        precondition(n >= 0 && gate.count >= n && up.count >= n, "siluMul: buffers too small for \(n)")
        gate.withUnsafeMutableBufferPointer { g in
            up.withUnsafeBufferPointer { u in
                for i in 0..<n {
                    let v = g[i]
                    g[i] = (v / (1 + expf(-v))) * u[i]
                }
            }
        }
    }

    /// x[i] += y[i] for i < n.
    public static func add(_ x: inout [Float], _ y: [Float], count n: Int) {
        precondition(n >= 0 && x.count >= n && y.count >= n, "add: buffers too small for \(n)")
        x.withUnsafeMutableBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                for i in 0..<n { a[i] += b[i] }
            }
        }
    }

    /// Each of k rows of `bias.count` values in x gets `bias` added.
    public static func addBias(_ x: inout [Float], bias: [Float], count k: Int) {
        let n = bias.count
        precondition(k >= 0 && x.count >= k * n, "addBias: buffer too small for \(k)×\(n)")
        x.withUnsafeMutableBufferPointer { a in
            bias.withUnsafeBufferPointer { b in
                for j in 0..<k {
                    let row = a.baseAddress! + j * n
                    for i in 0..<n { row[i] += b[i] }
                }
            }
        }
    }
}
