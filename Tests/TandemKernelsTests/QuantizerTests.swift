import TandemGGUF
import Testing

@testable import TandemKernels

@Suite struct QuantizerTests {
    /// Max |x − dequant(quant(x))| relative to the block's max |x|, per type.
    static let roundTripBounds: [(GGMLType, Double)] = [
        (.f32, 0.0), (.f16, 1e-3), (.bf16, 8e-3), (.q8_0, 1.0 / 127 / 2 + 1e-3),
        (.q4_0, 1.0 / 8 + 2e-3), (.q4_1, 1.0 / 15 + 2e-3), (.q5_0, 1.0 / 16 + 2e-3), (.q4_K, 0.12), (.q6_K, 0.04),
        (.q8_K, 1.0 / 127 / 2 + 1e-4),
    ]

    @Test(arguments: roundTripBounds)
    func roundTripErrorIsBounded(type: GGMLType, bound: Double) throws {
        let n = 256 * 8
        let x = randomFloats(n, scale: 3, seed: 7)
        let bytes = try Quantizer.quantize(x, as: type)
        #expect(bytes.count == type.byteCount(elements: n))
        let y = try Quantizer.dequantize(bytes, as: type, count: n)
        let block = max(type.blockSize, 32)
        for start in stride(from: 0, to: n, by: block) {
            let amax = x[start..<start + block].map { abs(Double($0)) }.max() ?? 0
            for i in start..<start + block {
                #expect(abs(Double(x[i]) - Double(y[i])) <= bound * amax + 1e-7, "\(type) at \(i): \(x[i]) → \(y[i])")
            }
        }
    }

    @Test func q8_0IsExactOnItsGrid() throws {
        // Values k·d with |k| ≤ 127 and 127 present in each block: d is a power of two, so exact.
        var rng = SeededRandom(seed: 3)
        let d: Float = 0.0078125
        var x: [Float] = []
        for _ in 0..<4 {
            var block = (0..<32).map { _ in Float(Int.random(in: -127...127, using: &rng)) * d }
            block[5] = 127 * d
            x += block
        }
        let y = try Quantizer.dequantize(try Quantizer.quantize(x, as: .q8_0), as: .q8_0, count: x.count)
        #expect(bits(x) == bits(y))
    }

    @Test func q8_0LayoutMatchesGGML() throws {
        var x = [Float](repeating: 0, count: 32)
        x[0] = 1.27
        x[1] = -0.5
        x[31] = 0.01
        let b = try Quantizer.quantize(x, as: .q8_0)
        // d = 1.27/127 = 0.01 as fp16 first, then qs = round(x/d).
        #expect(b.count == 34)
        #expect(Int8(bitPattern: b[2]) == 127)
        #expect(Int8(bitPattern: b[3]) == -50)
        #expect(Int8(bitPattern: b[33]) == 1)
    }

    @Test func unsupportedAndBadShapesThrow() {
        #expect(throws: KernelError.unsupportedType(.q2_K, tensor: "quantize")) {
            try Quantizer.quantize([Float](repeating: 0, count: 256), as: .q2_K)
        }
        #expect(throws: KernelError.self) { try Quantizer.quantize([Float](repeating: 0, count: 33), as: .q8_0) }
        #expect(throws: KernelError.self) {
            try Quantizer.dequantize([UInt8](repeating: 0, count: 33), as: .q8_0, count: 32)
        }
    }

    @Test func allZeroBlocksStayZero() throws {
        for type in [GGMLType.q8_0, .q4_0, .q4_1, .q5_0, .q4_K, .q6_K, .q8_K] {
            let y = try Quantizer.dequantize(
                try Quantizer.quantize([Float](repeating: 0, count: 256), as: type), as: type, count: 256)
            #expect(y.allSatisfy { $0 == 0 }, "\(type)")
        }
    }

    /// Dequantization of random block bytes against an independent transcription of §1.2.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q8_0, .q4_K, .q6_K])
    func dequantizeMatchesSpec(type: GGMLType) throws {
        var rng = SeededRandom(seed: 11)
        let blocks = 3
        var bytes = (0..<(type.blockBytes * blocks)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        // Keep the fp16 scales finite and modest: 0x2Cxx..0x33xx ≈ 0.06 … 0.25.
        for b in 0..<blocks {
            let base = b * type.blockBytes
            let scaleOffsets: [Int] =
                switch type {
                case .q4_K: [0, 2]
                case .q6_K: [208]
                case .q4_1: [0, 2]
                default: [0]
                }
            for o in scaleOffsets { bytes[base + o + 1] = 0x2C | (bytes[base + o + 1] & 0x07) }
        }
        let got = try Quantizer.dequantize(bytes, as: type, count: type.blockSize * blocks)
        let want = specDequantize(bytes, type: type, blocks: blocks)
        #expect(bits(got) == bits(want))
    }
}

private func half(_ lo: UInt8, _ hi: UInt8) -> Float { Float(Float16(bitPattern: UInt16(lo) | UInt16(hi) << 8)) }

/// Written from GGUF-AND-KERNELS.md §1.2, independently of the C code.
private func specDequantize(_ b: [UInt8], type: GGMLType, blocks: Int) -> [Float] {
    var out: [Float] = []
    for blk in 0..<blocks {
        let o = blk * type.blockBytes
        switch type {
        case .q8_0:
            let d = half(b[o], b[o + 1])
            for j in 0..<32 { out.append(Float(Int8(bitPattern: b[o + 2 + j])) * d) }
        case .q4_0:
            let d = half(b[o], b[o + 1])
            var y = [Float](repeating: 0, count: 32)
            for j in 0..<16 {
                y[j] = Float(Int(b[o + 2 + j] & 0xF) - 8) * d
                y[j + 16] = Float(Int(b[o + 2 + j] >> 4) - 8) * d
            }
            out += y
        case .q4_1:
            let d = half(b[o], b[o + 1])
            let m = half(b[o + 2], b[o + 3])
            var y = [Float](repeating: 0, count: 32)
            for j in 0..<16 {
                y[j] = Float(Int(b[o + 4 + j] & 0xF)) * d + m
                y[j + 16] = Float(Int(b[o + 4 + j] >> 4)) * d + m
            }
            out += y
        case .q5_0:
            let d = half(b[o], b[o + 1])
            let qh = UInt32(b[o + 2]) | UInt32(b[o + 3]) << 8 | UInt32(b[o + 4]) << 16 | UInt32(b[o + 5]) << 24
            var y = [Float](repeating: 0, count: 32)
            for j in 0..<16 {
                let qs = UInt32(b[o + 6 + j])
                let x0 = Int((qs & 0xF) | (((qh >> UInt32(j)) << 4) & 0x10)) - 16
                let x1 = Int((qs >> 4) | ((qh >> UInt32(j + 12)) & 0x10)) - 16
                y[j] = Float(x0) * d
                y[j + 16] = Float(x1) * d
            }
            out += y
        case .q4_K:
            let d = half(b[o], b[o + 1])
            let dmin = half(b[o + 2], b[o + 3])
            let s = Array(b[(o + 4)..<(o + 16)]).map(Int.init)
            let qs = Array(b[(o + 16)..<(o + 144)])
            for sub in 0..<8 {
                let sc: Int
                let m: Int
                if sub < 4 {
                    sc = s[sub] & 63
                    m = s[sub + 4] & 63
                } else {
                    sc = (s[sub + 4] & 0xF) | ((s[sub - 4] >> 6) << 4)
                    m = (s[sub + 4] >> 4) | ((s[sub] >> 6) << 4)
                }
                let chunk = qs[(sub / 2 * 32)..<(sub / 2 * 32 + 32)]
                for q in chunk {
                    let v = sub % 2 == 0 ? Int(q & 0xF) : Int(q >> 4)
                    out.append(d * Float(sc) * Float(v) - dmin * Float(m))
                }
            }
        case .q6_K:
            let d = half(b[o + 208], b[o + 209])
            var y = [Float](repeating: 0, count: 256)
            for n in 0..<2 {
                let ql = o + 64 * n
                let qh = o + 128 + 32 * n
                let sc = o + 192 + 8 * n
                for l in 0..<32 {
                    let isc = l / 16
                    let q1 = Int((b[ql + l] & 0xF) | ((b[qh + l] >> 0) & 3) << 4) - 32
                    let q2 = Int((b[ql + l + 32] & 0xF) | ((b[qh + l] >> 2) & 3) << 4) - 32
                    let q3 = Int((b[ql + l] >> 4) | ((b[qh + l] >> 4) & 3) << 4) - 32
                    let q4 = Int((b[ql + l + 32] >> 4) | ((b[qh + l] >> 6) & 3) << 4) - 32
                    let s = { (i: Int) in Float(Int8(bitPattern: b[sc + i])) }
                    y[128 * n + l] = d * s(isc) * Float(q1)
                    y[128 * n + l + 32] = d * s(isc + 2) * Float(q2)
                    y[128 * n + l + 64] = d * s(isc + 4) * Float(q3)
                    y[128 * n + l + 96] = d * s(isc + 6) * Float(q4)
                }
            }
            out += y
        default: break
        }
    }
    return out
}
