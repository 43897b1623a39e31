import CTandemKernels

extension Kernels {
    /// Causal attention for k query rows at positions firstPosition ..< firstPosition + k.
    ///
    /// `keys`/`values` hold the layer's cache laid out [position][kvHead][headDim] and already
    /// contain those k positions. Query head h uses kv head h / (heads/kvHeads); scale 1/sqrt(headDim);
    /// output [k][heads·headDim]. A row's result depends only on its own query and position.
    /// Preconditions (caller bugs): heads a multiple of kvHeads; q.count, output.count ≥ k·heads·headDim;
    /// keys.count, values.count ≥ (firstPosition + k)·kvHeads·headDim.
    public static func attention(
        query q: [Float], count k: Int, firstPosition: Int, keys: [Float], values: [Float],
        heads: Int, kvHeads: Int, headDim: Int, output: inout [Float], pool: ComputePool
    ) {
        precondition(
            k >= 0 && firstPosition >= 0 && heads > 0 && kvHeads > 0 && headDim > 0 && heads % kvHeads == 0,
            "attention: bad shape")
        let rowWidth = heads * headDim
        let kvStride = kvHeads * headDim
        let positions = firstPosition + k
        precondition(q.count >= k * rowWidth && output.count >= k * rowWidth, "attention: query/output too small")
        precondition(
            keys.count >= positions * kvStride && values.count >= positions * kvStride, "attention: cache too small")
        guard k > 0 else { return }
        let group = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        let threads = pool.threadCount
        var scores = [Float](repeating: 0, count: threads * positions)
        q.withUnsafeBufferPointer { qp in
            keys.withUnsafeBufferPointer { kp in
                values.withUnsafeBufferPointer { vp in
                    output.withUnsafeMutableBufferPointer { op in
                        scores.withUnsafeMutableBufferPointer { sp in
                            let tasks = k * heads
                            pool.run { ith, nth in
                                let scratch = sp.baseAddress! + ith * positions
                                var task = ith
                                while task < tasks {
                                    let j = task / heads
                                    let h = task % heads
                                    let kvHead = h / group
                                    tk_attention_head(
                                        qp.baseAddress! + j * rowWidth + h * headDim,
                                        kp.baseAddress! + kvHead * headDim,
                                        vp.baseAddress! + kvHead * headDim,
                                        Int64(firstPosition + j + 1), Int64(kvStride), Int64(headDim),
                                        scale, op.baseAddress! + j * rowWidth + h * headDim, scratch)
                                    task += nth
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
