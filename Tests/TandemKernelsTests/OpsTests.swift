import Foundation
import Testing

@testable import TandemKernels

@Suite struct OpsTests {
    @Test func rmsNormMatchesDefinition() {
        let n = 96
        let k = 3
        let x = randomFloats(k * n, scale: 4, seed: 1)
        let w = randomFloats(n, seed: 2)
        var y = [Float](repeating: .nan, count: k * n)
        Kernels.rmsNorm(x, weight: w, eps: 1e-5, count: k, output: &y)
        for j in 0..<k {
            let row = x[(j * n)..<((j + 1) * n)].map(Double.init)
            let r = 1 / (row.reduce(0) { $0 + $1 * $1 } / Double(n) + 1e-5).squareRoot()
            for i in 0..<n {
                #expect(abs(Double(y[j * n + i]) - row[i] * r * Double(w[i])) <= 1e-5 * max(1, abs(row[i] * r)))
            }
        }
        // Row-independence: one row alone is bit-identical.
        var y1 = [Float](repeating: .nan, count: n)
        Kernels.rmsNorm(Array(x[n..<(2 * n)]), weight: w, eps: 1e-5, count: 1, output: &y1)
        #expect(bits(y1) == bits(Array(y[n..<(2 * n)])))
    }

    @Test func elementwise() {
        var g: [Float] = [0, 1, -2, 3]
        Kernels.siluMul(&g, [1, 2, 3, 4], count: 4)
        let silu = { (v: Double) in v / (1 + exp(-v)) }
        let want = [silu(0) * 1, silu(1) * 2, silu(-2) * 3, silu(3) * 4]
        for i in 0..<4 { #expect(abs(Double(g[i]) - want[i]) < 1e-6) }
        var a: [Float] = [1, 2, 3]
        Kernels.add(&a, [10, 20, 30], count: 2)
        #expect(a == [11, 22, 3])
        var b: [Float] = [1, 2, 3, 4, 5, 6]
        Kernels.addBias(&b, bias: [10, 100], count: 3)
        #expect(b == [11, 102, 13, 104, 15, 106])
    }

    /// Reference RoPE in Double, written from the definition (θ_i = pos·base^(−2i/ropeDims)).
    static func referenceRoPE(
        _ x: [Float], k: Int, heads: Int, headDim: Int, ropeDims: Int, positions: [Int],
        base: Double, factors: [Float]?, halves: Bool
    ) -> [Double] {
        var out = x.map(Double.init)
        for j in 0..<k {
            for h in 0..<heads {
                let o = (j * heads + h) * headDim
                for i in 0..<(ropeDims / 2) {
                    var theta = Double(positions[j]) * pow(base, -2.0 * Double(i) / Double(ropeDims))
                    if let factors { theta /= Double(factors[i]) }
                    let (a, b) = halves ? (o + i, o + i + ropeDims / 2) : (o + 2 * i, o + 2 * i + 1)
                    let x0 = Double(x[a])
                    let x1 = Double(x[b])
                    out[a] = x0 * cos(theta) - x1 * sin(theta)
                    out[b] = x0 * sin(theta) + x1 * cos(theta)
                }
            }
        }
        return out
    }

    @Test(arguments: [RoPEStyle.adjacentPairs, .halves])
    func ropeMatchesReference(style: RoPEStyle) {
        let heads = 3
        let headDim = 16
        let k = 4
        for ropeDims in [16, 8] {
            for factors: [Float]? in [nil, (0..<(ropeDims / 2)).map { 1 + Float($0) }] {
                let x = randomFloats(k * heads * headDim, seed: 7)
                let positions = [0, 1, 17, 300]
                var y = x
                Kernels.rope(
                    &y, count: k, heads: heads, headDim: headDim, ropeDims: ropeDims, positions: positions,
                    base: 10000, freqFactors: factors, style: style)
                let want = Self.referenceRoPE(
                    x, k: k, heads: heads, headDim: headDim, ropeDims: ropeDims, positions: positions,
                    base: 10000, factors: factors, halves: style == .halves)
                for i in 0..<y.count { #expect(abs(Double(y[i]) - want[i]) < 2e-4, "\(style) dims \(ropeDims) [\(i)]") }
                // Dimensions past ropeDims are untouched.
                if ropeDims < headDim { #expect(y[headDim - 1] == x[headDim - 1]) }
            }
        }
    }

    @Test func ropePairingIsTheDocumentedOne() {
        // One head of 4 at position 1, base 1: θ_0 = 1, θ_1 = 1.
        var adj: [Float] = [1, 0, 0, 0]
        Kernels.rope(
            &adj, count: 1, heads: 1, headDim: 4, ropeDims: 4, positions: [1], base: 1, freqFactors: nil,
            style: .adjacentPairs)
        #expect(abs(adj[0] - Float(cos(1.0))) < 1e-6 && abs(adj[1] - Float(sin(1.0))) < 1e-6 && adj[2] == 0)
        var neox: [Float] = [1, 0, 0, 0]
        Kernels.rope(
            &neox, count: 1, heads: 1, headDim: 4, ropeDims: 4, positions: [1], base: 1, freqFactors: nil,
            style: .halves)
        #expect(abs(neox[0] - Float(cos(1.0))) < 1e-6 && abs(neox[2] - Float(sin(1.0))) < 1e-6 && neox[1] == 0)
    }

    @Test func ropeRowIndependence() {
        let x = randomFloats(5 * 2 * 8, seed: 3)
        var all = x
        Kernels.rope(
            &all, count: 5, heads: 2, headDim: 8, ropeDims: 8, positions: [3, 4, 5, 6, 7], base: 1e6, freqFactors: nil,
            style: .halves)
        var one = Array(x[32..<48])
        Kernels.rope(
            &one, count: 1, heads: 2, headDim: 8, ropeDims: 8, positions: [5], base: 1e6, freqFactors: nil,
            style: .halves)
        #expect(bits(one) == bits(Array(all[32..<48])))
    }
}
