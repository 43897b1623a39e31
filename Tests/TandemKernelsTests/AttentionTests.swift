import Foundation
import Testing

@testable import TandemKernels

@Suite struct AttentionTests {
    static func reference(
        q: [Float], k: Int, first: Int, keys: [Float], values: [Float], heads: Int, kvHeads: Int, hd: Int
    ) -> [Double] {
        var out = [Double](repeating: 0, count: k * heads * hd)
        for j in 0..<k {
            for h in 0..<heads {
                let g = h / (heads / kvHeads)
                let npos = first + j + 1
                var s = [Double](repeating: 0, count: npos)
                for p in 0..<npos {
                    var d = 0.0
                    for i in 0..<hd {
                        d += Double(q[(j * heads + h) * hd + i]) * Double(keys[(p * kvHeads + g) * hd + i])
                    }
                    s[p] = d / Double(hd).squareRoot()
                }
                let m = s.max()!
                let e = s.map { exp($0 - m) }
                let z = e.reduce(0, +)
                for p in 0..<npos {
                    for i in 0..<hd {
                        out[(j * heads + h) * hd + i] += e[p] / z * Double(values[(p * kvHeads + g) * hd + i])
                    }
                }
            }
        }
        return out
    }

    @Test func matchesReferenceAndIsRowIndependent() {
        let heads = 6
        let kvHeads = 2
        let hd = 64
        let first = 9
        let k = 7
        let npos = first + k
        let q = randomFloats(k * heads * hd, scale: 2, seed: 1)
        let keys = randomFloats(npos * kvHeads * hd, scale: 2, seed: 2)
        let values = randomFloats(npos * kvHeads * hd, seed: 3)
        let pool = ComputePool(threads: 2)
        var out = [Float](repeating: .nan, count: k * heads * hd)
        Kernels.attention(
            query: q, count: k, firstPosition: first, keys: keys, values: values,
            heads: heads, kvHeads: kvHeads, headDim: hd, output: &out, pool: pool)
        let want = Self.reference(
            q: q, k: k, first: first, keys: keys, values: values, heads: heads, kvHeads: kvHeads, hd: hd)
        for i in 0..<out.count { #expect(abs(Double(out[i]) - want[i]) < 1e-5, "[\(i)]") }
        // One row at a time with growing firstPosition, 1 and 3 threads: bit-identical.
        for threads in [1, 3] {
            let p = ComputePool(threads: threads)
            for j in 0..<k {
                var o = [Float](repeating: .nan, count: heads * hd)
                Kernels.attention(
                    query: Array(q[(j * heads * hd)..<((j + 1) * heads * hd)]), count: 1, firstPosition: first + j,
                    keys: keys, values: values, heads: heads, kvHeads: kvHeads, headDim: hd, output: &o, pool: p)
                #expect(
                    bits(o) == bits(Array(out[(j * heads * hd)..<((j + 1) * heads * hd)])),
                    "row \(j) threads \(threads)")
            }
        }
    }
}
