import CTandemKernels
import TandemGGUF
import Testing

@testable import TandemKernels

/// Tests compare SIMD levels through explicit-level entry points, never by switching the
/// process-wide level (which would change kernels under other tests' matmuls).
@Suite(.serialized) struct MatmulTests {
    static let pool1 = ComputePool(threads: 1)
    static let pool2 = ComputePool(threads: 2)
    static let pool3 = ComputePool(threads: 3)

    /// Scalar reference: dequantized weights · dequantized (quantized) activations, in Double.
    static func reference(_ w: WeightMatrix, x: [Float], k: Int) throws -> (values: [Double], magnitudes: [Double]) {
        var values = [Double](repeating: 0, count: k * w.rows)
        var magnitudes = values
        var row = [Float](repeating: 0, count: w.cols)
        var acts: [[Float]] = []
        for j in 0..<k {
            let xr = Array(x[(j * w.cols)..<((j + 1) * w.cols)])
            if let at = activationType(for: w.type) {
                acts.append(try Quantizer.dequantize(try Quantizer.quantize(xr, as: at), as: at, count: w.cols))
            } else {
                acts.append(xr)
            }
        }
        for r in 0..<w.rows {
            w.dequantizeRow(r, into: &row)
            for j in 0..<k {
                var s = 0.0
                var m = 0.0
                for c in 0..<w.cols {
                    let t = Double(row[c]) * Double(acts[j][c])
                    s += t
                    m += abs(t)
                }
                values[j * w.rows + r] = s
                magnitudes[j * w.rows + r] = m
            }
        }
        return (values, magnitudes)
    }

    @Test(arguments: matmulTypes)
    func matchesDequantizedReference(type: GGMLType) throws {
        let rows = 37
        let cols = 512
        let k = 3
        let w = try randomMatrix(type, rows: rows, cols: cols, seed: 21)
        let x = randomFloats(k * cols, scale: 2, seed: 22)
        var y = [Float](repeating: .nan, count: k * rows)
        Kernels.matmul(w, input: x, count: k, output: &y, pool: Self.pool2)
        let (want, mag) = try Self.reference(w, x: x, k: k)
        for i in 0..<(k * rows) {
            #expect(abs(Double(y[i]) - want[i]) <= 1e-4 * mag[i] + 1e-6, "\(type) [\(i)]: \(y[i]) vs \(want[i])")
        }
    }

    /// The hard invariant: a position's result is bit-identical for any k and any thread count,
    /// at every SIMD level this CPU has (scalar, AVX2, AVX-512).
    @Test(arguments: matmulTypes)
    func bitIdenticalAcrossCountAndThreads(type: GGMLType) throws {
        for level in 0...Int(tk_simd_level()) {
            try checkBitIdentity(type: type, level: level)
        }
    }

    func checkBitIdentity(type: GGMLType, level: Int) throws {
        let rows = 70
        let cols = 768
        let w = try randomMatrix(type, rows: rows, cols: cols, seed: 31)
        // k past one column group (9, 17), prefill-sized (64) and past the 64-column tile (67).
        let ks = [1, 2, 3, 5, 8, 9, 16, 17, 64, 67]
        let kMax = 67
        let x = randomFloats(kMax * cols, scale: 1.5, seed: 32)
        // Each position alone, one thread.
        var single = [Float](repeating: 0, count: kMax * rows)
        for j in 0..<kMax {
            var y = [Float](repeating: .nan, count: rows)
            Kernels.matmul(
                w, input: Array(x[(j * cols)..<((j + 1) * cols)]), count: 1, output: &y, pool: Self.pool1,
                simdLevel: level)
            single.replaceSubrange((j * rows)..<((j + 1) * rows), with: y)
        }
        for k in ks {
            for pool in [Self.pool1, Self.pool2, Self.pool3] {
                var y = [Float](repeating: .nan, count: k * rows)
                Kernels.matmul(w, input: Array(x[0..<(k * cols)]), count: k, output: &y, pool: pool, simdLevel: level)
                #expect(
                    bits(y) == bits(Array(single[0..<(k * rows)])),
                    "\(type) level \(level) k=\(k) threads=\(pool.threadCount)")
            }
        }
    }

    /// Odd block counts and float rows that are not a multiple of the vector width (kernel tails).
    @Test(arguments: matmulTypes)
    func oddSizesMatchReferenceAndAreBitIdentical(type: GGMLType) throws {
        let cols = type.blockSize == 256 ? 768 : (type.blockSize == 32 ? 224 : 203)
        let rows = 21
        let k = 9
        let w = try randomMatrix(type, rows: rows, cols: cols, seed: 51)
        let x = randomFloats(k * cols, scale: 2, seed: 52)
        var y = [Float](repeating: .nan, count: k * rows)
        Kernels.matmul(w, input: x, count: k, output: &y, pool: Self.pool2)
        let (want, mag) = try Self.reference(w, x: x, k: k)
        for i in 0..<(k * rows) {
            #expect(abs(Double(y[i]) - want[i]) <= 1e-4 * mag[i] + 1e-6, "\(type) [\(i)]: \(y[i]) vs \(want[i])")
        }
        for j in 0..<k {
            var one = [Float](repeating: .nan, count: rows)
            Kernels.matmul(w, input: Array(x[(j * cols)..<((j + 1) * cols)]), count: 1, output: &one, pool: Self.pool1)
            #expect(bits(one) == bits(Array(y[(j * rows)..<((j + 1) * rows)])), "\(type) column \(j)")
        }
    }

    @Test func fusedMatmulEqualsSeparateCalls() throws {
        let cols = 512
        let k = 5
        let ws = [
            try randomMatrix(.q8_0, rows: 40, cols: cols, seed: 1),
            try randomMatrix(.q4_K, rows: 24, cols: cols, seed: 2),
            try randomMatrix(.f16, rows: 8, cols: cols, seed: 3),
            try randomMatrix(.q5_0, rows: 33, cols: cols, seed: 4),
            try randomMatrix(.q4_1, rows: 35, cols: cols, seed: 6),
        ]
        let x = randomFloats(k * cols, seed: 5)
        var outs = ws.map { [Float](repeating: .nan, count: k * $0.rows) }
        Kernels.matmul(ws, input: x, count: k, outputs: &outs, pool: Self.pool2)
        #expect(outs.count == ws.count)
        for (i, w) in ws.enumerated() {
            var y = [Float](repeating: .nan, count: k * w.rows)
            Kernels.matmul(w, input: x, count: k, output: &y, pool: Self.pool1)
            #expect(bits(outs[i]) == bits(y), "\(w.type)")
        }
    }

    /// The SIMD kernels agree with the portable scalar kernels (not bitwise: other sum order).
    @Test(arguments: matmulTypes)
    func simdMatchesScalar(type: GGMLType) throws {
        let detected = Int(tk_simd_level())
        let rows = 19
        let cols = 1024
        let k = 4
        let w = try randomMatrix(type, rows: rows, cols: cols, seed: 41)
        let x = randomFloats(k * cols, seed: 42)
        let (_, mag) = try Self.reference(w, x: x, k: k)
        var results: [[Float]] = []
        for level in 0...detected {
            var y = [Float](repeating: .nan, count: k * rows)
            Kernels.matmul(w, input: x, count: k, output: &y, pool: Self.pool2, simdLevel: level)
            results.append(y)
        }
        for level in 1..<results.count {
            for i in 0..<(k * rows) {
                #expect(
                    abs(Double(results[level][i]) - Double(results[0][i])) <= 1e-5 * mag[i] + 1e-6,
                    "\(type) level \(level) [\(i)]")
            }
        }
    }

    @Test func weightMatrixRejectsBadInput() {
        #expect(throws: KernelError.unsupportedType(.q2_K, tensor: "a")) {
            try WeightMatrix(name: "a", type: .q2_K, rows: 1, cols: 256, bytes: [UInt8](repeating: 0, count: 84))
        }
        #expect(throws: KernelError.self) {
            try WeightMatrix(name: "b", type: .q8_0, rows: 1, cols: 48, bytes: [UInt8](repeating: 0, count: 51))
        }
        #expect(throws: KernelError.self) {
            try WeightMatrix(name: "c", type: .q8_0, rows: 2, cols: 32, bytes: [UInt8](repeating: 0, count: 34))
        }
        #expect(throws: KernelError.self) {
            try WeightMatrix(name: "d", type: .f32, rows: 0, cols: 4, bytes: [])
        }
    }

    @Test func dequantizeRowWritesAtOffset() throws {
        let values = randomFloats(64, seed: 9)
        let w = try WeightMatrix(
            name: "f", type: .f32, rows: 2, cols: 32,
            bytes: values.withUnsafeBytes { Array($0) })
        var out = [Float](repeating: -1, count: 40)
        w.dequantizeRow(1, into: &out, at: 8)
        #expect(out[0..<8].allSatisfy { $0 == -1 })
        #expect(Array(out[8..<40]) == Array(values[32..<64]))
    }

    /// The SIMD activation quantizers are bit-identical to the scalar reference (incl. .5 ties,
    /// where roundf rounds away from zero and nearest_int to even).
    @Test(arguments: [GGMLType.q8_0, .q4_K])
    func simdEqualsScalar(weightType: GGMLType) {
        let detected = tk_simd_level()
        let cols = 1024
        var x = randomFloats(cols, scale: 3, seed: 77)
        // A block whose scale is exactly 1 (amax 127) holding half-integers, and a tie in |max|.
        x[0] = 127
        for i in 1..<32 { x[i] = Float(i) - 16.5 }
        x[256] = -5
        x[300] = 5
        let bytes = tk_act_row_bytes(Int32(weightType.rawValue), Int64(cols))
        var outputs: [[UInt8]] = []
        for level in [0, detected] {
            var buffer = [UInt8](repeating: 0xAA, count: bytes)
            buffer.withUnsafeMutableBytes { b in
                tk_quantize_act_row_at(level, Int32(weightType.rawValue), x, b.baseAddress, Int64(cols))
            }
            outputs.append(buffer)
        }
        #expect(outputs[0] == outputs[1])
    }
}
