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
    public static func matmul(_ w: WeightMatrix, input x: [Float], count k: Int, output y: inout [Float], pool: ComputePool) {
        precondition(k >= 0 && x.count >= k * w.cols, "matmul \(w.name): input holds \(x.count) floats, need \(k)×\(w.cols)")
        precondition(y.count >= k * w.rows, "matmul \(w.name): output holds \(y.count) floats, need \(k)×\(w.rows)")
        guard k > 0 else { return }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                matmulUnchecked([w], input: xp.baseAddress!, count: k, outputs: [yp.baseAddress!], pool: pool)
            }
        }
    }

    /// Several matrices that share one input (q/k/v, gate/up) in one pool dispatch, with the
    /// activations quantized once per activation type: `outputs[i]` receives [k][ws[i].rows].
    /// Results are bit-identical to separate ``matmul(_:input:count:output:pool:)`` calls.
    /// Preconditions (caller bugs): all matrices have the same `cols`; outputs.count == ws.count;
    /// x.count ≥ k·cols; outputs[i].count ≥ k·ws[i].rows.
    public static func matmul(_ ws: [WeightMatrix], input x: [Float], count k: Int, outputs: inout [[Float]], pool: ComputePool) {
        precondition(outputs.count == ws.count, "matmul: \(ws.count) matrices, \(outputs.count) outputs")
        guard let first = ws.first, k > 0 else { return }
        for (i, w) in ws.enumerated() {
            precondition(w.cols == first.cols, "matmul: \(w.name) has \(w.cols) columns, \(first.name) \(first.cols)")
            precondition(outputs[i].count >= k * w.rows, "matmul \(w.name): output too small")
        }
        precondition(k >= 0 && x.count >= k * first.cols, "matmul: input holds \(x.count) floats, need \(k)×\(first.cols)")
        // Each output in its own box, so each can be written through a pointer independently.
        let boxes = outputs.map { OutputBox($0) }
        outputs = []
        defer { outputs = boxes.map { $0.values } }
        x.withUnsafeBufferPointer { xp in
            withMutableBases(boxes[...], []) { bases in
                matmulUnchecked(ws, input: xp.baseAddress!, count: k, outputs: bases, pool: pool)
            }
        }
    }

    /// Gives `body` the base addresses of every box's array, each uniquely held.
    private static func withMutableBases(_ boxes: ArraySlice<OutputBox>, _ collected: [UnsafeMutablePointer<Float>],
                                         _ body: ([UnsafeMutablePointer<Float>]) -> Void) {
        guard let first = boxes.first else { return body(collected) }
        first.values.withUnsafeMutableBufferPointer { buffer in
            withMutableBases(boxes.dropFirst(), collected + [buffer.baseAddress!], body)
        }
    }

    /// The shared driver: quantize activations once per activation type, then one dispatch in
    /// which every thread computes its share of every matrix's rows.
    static func matmulUnchecked(_ ws: [WeightMatrix], input x: UnsafePointer<Float>, count k: Int,
                                outputs: [UnsafeMutablePointer<Float>], pool: ComputePool) {
        let cols = ws[0].cols
        // One activation buffer per distinct activation type (f32 input needs none).
        var actOffset: [Int32: Int] = [:]
        var actStride: [Int32: Int] = [:]
        var total = 0
        for w in ws {
            let wt = Int32(w.type.rawValue)
            let at = tk_act_type(wt)
            if at == Int32(TK_F32) || actOffset[at] != nil { continue }
            let stride = tk_act_row_bytes(wt, Int64(cols))
            actOffset[at] = total
            actStride[at] = stride
            total += stride * k
        }
        pool.withScratch(bytes: max(total, 64)) { scratch in
            var quantized: Set<Int32> = []
            for w in ws {
                let wt = Int32(w.type.rawValue)
                let at = tk_act_type(wt)
                guard at != Int32(TK_F32), let offset = actOffset[at], let stride = actStride[at],
                      !quantized.contains(at) else { continue }
                quantized.insert(at)
                for j in 0..<k {
                    tk_quantize_act_row(wt, x + j * cols, scratch + offset + j * stride, Int64(cols))
                }
            }
            let plans: [RowPlan] = ws.enumerated().map { i, w in
                let wt = Int32(w.type.rawValue)
                let at = tk_act_type(wt)
                if at == Int32(TK_F32) {
                    return RowPlan(w: w, act: UnsafeRawPointer(x), actStride: cols * 4, y: outputs[i])
                }
                return RowPlan(w: w, act: UnsafeRawPointer(scratch + actOffset[at]!), actStride: actStride[at]!, y: outputs[i])
            }
            pool.run { ith, nth in
                for plan in plans {
                    let (r0, r1) = rowShare(rows: plan.w.rows, thread: ith, of: nth)
                    guard r1 > r0 else { continue }
                    tk_matmul_rows(Int32(plan.w.type.rawValue), plan.w.base, plan.w.rowBytes, Int64(plan.w.cols),
                                   Int64(r0), Int64(r1), plan.act, plan.actStride, Int32(k), plan.y, Int64(plan.w.rows))
                }
            }
            for w in ws { withExtendedLifetime(w.owner) {} }
        }
    }

    /// Thread `thread`'s contiguous share of `rows`, in multiples of 16 rows (a row's value does
    /// not depend on which thread computes it).
    static func rowShare(rows: Int, thread: Int, of threads: Int) -> (Int, Int) {
        let groups = (rows + 15) / 16
        let start = groups * thread / threads * 16
        let end = groups * (thread + 1) / threads * 16
        return (min(start, rows), min(end, rows))
    }
}

private struct RowPlan {
    let w: WeightMatrix
    let act: UnsafeRawPointer
    let actStride: Int
    let y: UnsafeMutablePointer<Float>
}

private final class OutputBox {
    var values: [Float]
    init(_ values: [Float]) { self.values = values }
}
