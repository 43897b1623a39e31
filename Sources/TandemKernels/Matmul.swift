import CTandemKernels
import TandemGGUF

extension Kernels {
    /// y[j][r] = Σ_c W[r][c]·x[j][c] for j < k.
    ///
    /// `x` holds k rows of `w.cols` floats; `y` must hold ≥ k·w.rows floats (row-major [k][rows]).
    /// Quantized weights: each activation row is quantized once to the weight type's dot format
    /// (Q8_0 or Q8_K, as llama.cpp does) and the dot products run on integers per block.
    /// The result for a row j is bit-identical for any k and any thread count.
    /// Preconditions (caller bugs): k ≥ 0, x.count ≥ k·w.cols, y.count ≥ k·w.rows.
    public static func matmul(
        _ w: WeightMatrix, input x: [Float], count k: Int, output y: inout [Float], pool: ComputePool
    ) {
        matmul(w, input: x, count: k, output: &y, pool: pool, simdLevel: nil)
    }

    /// ``matmul(_:input:count:output:pool:)`` with the kernels of an explicit SIMD level (tests
    /// compare levels this way without touching the process-wide level); nil: the active level.
    static func matmul(
        _ w: WeightMatrix, input x: [Float], count k: Int, output y: inout [Float], pool: ComputePool,
        simdLevel: Int?
    ) {
        precondition(
            k >= 0 && x.count >= k * w.cols, "matmul \(w.name): input holds \(x.count) floats, need \(k)×\(w.cols)")
        precondition(y.count >= k * w.rows, "matmul \(w.name): output holds \(y.count) floats, need \(k)×\(w.rows)")
        guard k > 0 else { return }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                matmulUnchecked(
                    [w], input: xp.baseAddress!, count: k, outputs: [yp.baseAddress!], pool: pool,
                    level: simdLevel.map { Int32(clamping: $0) } ?? tk_simd_level())
            }
        }
    }

    /// Several matrices that share one input (q/k/v, gate/up) in one pool dispatch, with the
    /// activations quantized once per activation type: `outputs[i]` receives [k][ws[i].rows].
    /// Results are bit-identical to separate ``matmul(_:input:count:output:pool:)`` calls.
    /// Preconditions (caller bugs): all matrices have the same `cols`; outputs.count == ws.count;
    /// x.count ≥ k·cols; outputs[i].count ≥ k·ws[i].rows.
    public static func matmul(
        _ ws: [WeightMatrix], input x: [Float], count k: Int, outputs: inout [[Float]], pool: ComputePool
    ) {
        precondition(outputs.count == ws.count, "matmul: \(ws.count) matrices, \(outputs.count) outputs")
        guard let first = ws.first, k > 0 else { return }
        for (i, w) in ws.enumerated() {
            precondition(w.cols == first.cols, "matmul: \(w.name) has \(w.cols) columns, \(first.name) \(first.cols)")
            precondition(outputs[i].count >= k * w.rows, "matmul \(w.name): output too small")
        }
        precondition(
            k >= 0 && x.count >= k * first.cols, "matmul: input holds \(x.count) floats, need \(k)×\(first.cols)")
        // Each output in its own box, so each can be written through a pointer independently.
        let boxes = outputs.map { OutputBox($0) }
        outputs = []
        defer { outputs = boxes.map { $0.values } }
        x.withUnsafeBufferPointer { xp in
            withMutableBases(boxes[...], []) { bases in
                matmulUnchecked(
                    ws, input: xp.baseAddress!, count: k, outputs: bases, pool: pool, level: tk_simd_level())
            }
        }
    }

    /// Gives `body` the base addresses of every box's array, each uniquely held.
    private static func withMutableBases(
        _ boxes: ArraySlice<OutputBox>, _ collected: [UnsafeMutablePointer<Float>],
        _ body: ([UnsafeMutablePointer<Float>]) -> Void
    ) {
        guard let first = boxes.first else { return body(collected) }
        first.values.withUnsafeMutableBufferPointer { buffer in
            withMutableBases(boxes.dropFirst(), collected + [buffer.baseAddress!], body)
        }
    }

    /// Rows handed out per atomic claim (a row's value never depends on who computes it).
    static let chunkRows = 32

    /// The shared driver: quantize activations once per activation type, then one dispatch in
    /// which the threads claim chunks of rows of every matrix from an atomic counter. `level` is
    /// read once per call, so one call never mixes kernels.
    static func matmulUnchecked(
        _ ws: [WeightMatrix], input x: UnsafePointer<Float>, count k: Int,
        outputs: [UnsafeMutablePointer<Float>], pool: ComputePool, level: Int32
    ) {
        let cols = ws[0].cols
        // At most two quantized activation formats: Q8_0 (q8_0/q4_0/q4_1/q5_0) and Q8_K (K-quants).
        var q80Stride = 0
        var q8KStride = 0
        for w in ws {
            let wt = Int32(w.type.rawValue)
            switch tk_act_type(wt) {
            case Int32(TK_Q8_0): q80Stride = tk_act_row_bytes(wt, Int64(cols))
            case Int32(TK_Q8_K): q8KStride = tk_act_row_bytes(wt, Int64(cols))
            default: break
            }
        }
        let q8KOffset = q80Stride * k
        pool.withScratch(bytes: max(64, q8KOffset + q8KStride * k)) { scratch in
            for j in 0..<k {
                if q80Stride > 0 {
                    tk_quantize_act_row_at(level, Int32(TK_Q8_0), x + j * cols, scratch + j * q80Stride, Int64(cols))
                }
                if q8KStride > 0 {
                    tk_quantize_act_row_at(
                        level, Int32(TK_Q4_K), x + j * cols, scratch + q8KOffset + j * q8KStride, Int64(cols))
                }
            }
            var plans: [RowPlan] = []
            plans.reserveCapacity(ws.count)
            var chunks = 0
            for (i, w) in ws.enumerated() {
                let act: UnsafeRawPointer
                let stride: Int
                switch tk_act_type(Int32(w.type.rawValue)) {
                case Int32(TK_Q8_0): (act, stride) = (UnsafeRawPointer(scratch), q80Stride)
                case Int32(TK_Q8_K): (act, stride) = (UnsafeRawPointer(scratch + q8KOffset), q8KStride)
                default: (act, stride) = (UnsafeRawPointer(x), cols * 4)
                }
                plans.append(RowPlan(w: w, act: act, actStride: stride, y: outputs[i], firstChunk: chunks))
                chunks += (w.rows + chunkRows - 1) / chunkRows
            }
            let totalChunks = chunks
            pool.chunkCounter.store(0, ordering: .relaxed)
            pool.run { _, _ in
                var plan = 0
                while true {
                    let chunk = pool.chunkCounter.wrappingAdd(1, ordering: .relaxed).oldValue
                    if chunk >= totalChunks { break }
                    while plan + 1 < plans.count && plans[plan + 1].firstChunk <= chunk { plan += 1 }
                    while plans[plan].firstChunk > chunk { plan -= 1 }
                    let p = plans[plan]
                    let r0 = (chunk - p.firstChunk) * chunkRows
                    let r1 = min(p.w.rows, r0 + chunkRows)
                    tk_matmul_rows_at(
                        level, Int32(p.w.type.rawValue), p.w.base, p.w.rowBytes, Int64(p.w.cols),
                        Int64(r0), Int64(r1), p.act, p.actStride, Int32(k), p.y, Int64(p.w.rows))
                }
            }
            for w in ws { withExtendedLifetime(w.owner) {} }
        }
    }
}

private struct RowPlan {
    let w: WeightMatrix
    let act: UnsafeRawPointer
    let actStride: Int
    let y: UnsafeMutablePointer<Float>
    /// Index of this matrix's first chunk in the call's chunk numbering.
    let firstChunk: Int
}

private final class OutputBox {
    var values: [Float]
    init(_ values: [Float]) { self.values = values }
}
