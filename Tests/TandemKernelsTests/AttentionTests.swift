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

@Suite struct PagedAttentionTests {
    /// The paged, batched kernel over F32 pages gives the contiguous kernel's bits, for pages of
    /// several sizes and any order of segments; F16 pages stay close.
    @Test func pagedMatchesContiguous() {
        let heads = 4
        let kvHeads = 2
        let hd = 32
        let width = kvHeads * hd
        let pool = ComputePool(threads: 2)
        let lengths = [5, 11, 2]  // positions each sequence holds after the pass
        let counts = [2, 4, 1]  // new rows each
        let keys = lengths.indices.map { randomFloats(lengths[$0] * width, scale: 2, seed: UInt64(10 + $0)) }
        let values = lengths.indices.map { randomFloats(lengths[$0] * width, seed: UInt64(20 + $0)) }
        let queries = lengths.indices.map { randomFloats(counts[$0] * heads * hd, scale: 2, seed: UInt64(30 + $0)) }
        var expected: [[Float]] = []
        for i in lengths.indices {
            var o = [Float](repeating: .nan, count: counts[i] * heads * hd)
            Kernels.attention(
                query: queries[i], count: counts[i], firstPosition: lengths[i] - counts[i], keys: keys[i],
                values: values[i], heads: heads, kvHeads: kvHeads, headDim: hd, output: &o, pool: pool)
            expected.append(o)
        }
        for precision in KVPrecision.allCases {
            for page in [1, 3, 64] {
                for order in [[0, 1, 2], [2, 0, 1]] {
                    var query: [Float] = []
                    var segments: [AttentionSegment] = []
                    for i in order {
                        let cache = KVCache(
                            layers: 2, width: width, precision: precision, pagePositions: page, maxPositions: 100)
                        cache.reserve(positions: lengths[i])
                        cache.write(layer: 1, position: 0, count: lengths[i], keys: keys[i], values: values[i], row: 0)
                        segments.append(
                            AttentionSegment(
                                cache: cache, firstRow: query.count / (heads * hd), count: counts[i],
                                firstPosition: lengths[i] - counts[i]))
                        query += queries[i]
                    }
                    var out = [Float](repeating: .nan, count: query.count)
                    Kernels.attention(
                        query: query, segments: segments, layer: 1, heads: heads, kvHeads: kvHeads, headDim: hd,
                        output: &out, pool: pool)
                    for (slot, i) in order.enumerated() {
                        let at = segments[slot].firstRow * heads * hd
                        let got = Array(out[at..<(at + expected[i].count)])
                        if precision == .f32 {
                            #expect(
                                got.map(\.bitPattern) == expected[i].map(\.bitPattern), "page \(page) \(order) seq \(i)"
                            )
                        } else {
                            let worst = zip(got, expected[i]).map { abs($0 - $1) }.max() ?? 0
                            #expect(worst < 1e-2, "f16 page \(page) seq \(i): \(worst)")
                        }
                    }
                }
            }
        }
    }

    @Test func cacheRoundTripsAndCountsBytes() {
        let cache = KVCache(layers: 3, width: 8, precision: .f16, pagePositions: 4, maxPositions: 10)
        #expect(cache.bytes == 0 && cache.bytes(afterReserving: 5) == 8 * cache.bytesPerPosition)
        cache.reserve(positions: 9)
        #expect(cache.capacity == 10 && cache.bytes == 10 * 3 * 2 * 8 * 2)
        let k = (0..<16).map { Float($0) * 0.5 }
        let v = (0..<16).map { Float($0) - 3 }
        cache.write(layer: 2, position: 3, count: 2, keys: k, values: v, row: 0)
        #expect(cache.read(layer: 2, position: 4).keys == Array(k[8..<16]))
        #expect(cache.read(layer: 2, position: 3).values == Array(v[0..<8]))
    }
}
