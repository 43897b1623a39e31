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

/// One sequence's rows in a batched attention call: query rows `firstRow ..< firstRow + count`
/// of the pass sit at positions `firstPosition ..< firstPosition + count` of `cache`.
public struct AttentionSegment {
    public let cache: KVCache
    public let firstRow: Int
    public let count: Int
    public let firstPosition: Int

    public init(cache: KVCache, firstRow: Int, count: Int, firstPosition: Int) {
        self.cache = cache
        self.firstRow = firstRow
        self.count = count
        self.firstPosition = firstPosition
    }
}

extension Kernels {
    /// Causal attention for the query rows of several sequences in ONE pool dispatch, each
    /// segment over its own paged cache (layer `layer`), which already holds the segment's positions.
    ///
    /// A row's result depends only on its own query, its position and its cache: it is
    /// bit-identical to ``attention(query:count:firstPosition:keys:values:heads:kvHeads:headDim:output:pool:)``
    /// over the same values in F32, whatever the other segments, their order or the thread count.
    /// Preconditions (caller bugs): heads a multiple of kvHeads; every cache's width is
    /// kvHeads·headDim and holds firstPosition + count positions; q and output hold the rows.
    public static func attention(
        query q: [Float], segments: [AttentionSegment], layer: Int, heads: Int, kvHeads: Int, headDim: Int,
        output: inout [Float], pool: ComputePool
    ) {
        precondition(heads > 0 && kvHeads > 0 && headDim > 0 && heads % kvHeads == 0, "attention: bad shape")
        let rowWidth = heads * headDim
        let kvStride = kvHeads * headDim
        var rows = 0
        var longest = 0
        for s in segments {
            precondition(s.count >= 0 && s.firstPosition >= 0 && s.firstRow >= 0, "attention: bad segment")
            precondition(s.cache.width == kvStride, "attention: cache width \(s.cache.width), need \(kvStride)")
            precondition(s.firstPosition + s.count <= s.cache.capacity, "attention: cache too small")
            precondition(layer >= 0 && layer < s.cache.layers, "attention: layer \(layer)")
            rows = max(rows, s.firstRow + s.count)
            longest = max(longest, s.firstPosition + s.count)
        }
        precondition(q.count >= rows * rowWidth && output.count >= rows * rowWidth, "attention: query/output too small")
        // Flatten every segment's page table and the per-row task map.
        var pageTable: [UnsafeRawPointer?] = []
        var segmentPages: [(keys: Int, values: Int, f16: Int32, pageLen: Int)] = []
        var rowSegment: [Int] = []
        var rowPosition: [Int] = []
        var rowIndex: [Int] = []
        for (i, s) in segments.enumerated() {
            let pages = s.cache.pages(layer: layer)
            let keysAt = pageTable.count
            pageTable += pages.keys.map { UnsafeRawPointer($0) }
            let valuesAt = pageTable.count
            pageTable += pages.values.map { UnsafeRawPointer($0) }
            segmentPages.append(
                (keysAt, valuesAt, s.cache.precision == .f16 ? 1 : 0, s.cache.pagePositions))
            for j in 0..<s.count {
                rowSegment.append(i)
                rowPosition.append(s.firstPosition + j)
                rowIndex.append(s.firstRow + j)
            }
        }
        let tasks = rowSegment.count * heads
        guard tasks > 0 else { return }
        let group = heads / kvHeads
        let scale = 1 / Float(headDim).squareRoot()
        let threads = pool.threadCount
        let perThread = longest + headDim
        var scores = [Float](repeating: 0, count: threads * perThread)
        q.withUnsafeBufferPointer { qp in
            pageTable.withUnsafeBufferPointer { tp in
                output.withUnsafeMutableBufferPointer { op in
                    scores.withUnsafeMutableBufferPointer { sp in
                        pool.run { ith, nth in
                            let scratch = sp.baseAddress! + ith * perThread
                            var task = ith
                            while task < tasks {
                                let r = task / heads
                                let h = task % heads
                                let seg = segmentPages[rowSegment[r]]
                                let row = rowIndex[r]
                                tk_attention_head_paged(
                                    qp.baseAddress! + row * rowWidth + h * headDim,
                                    tp.baseAddress! + seg.keys, tp.baseAddress! + seg.values, Int64(seg.pageLen),
                                    Int64(rowPosition[r] + 1), Int64((h / group) * headDim), Int64(kvStride),
                                    Int64(headDim), scale, seg.f16, op.baseAddress! + row * rowWidth + h * headDim,
                                    scratch, scratch + longest)
                                task += nth
                            }
                        }
                    }
                }
            }
        }
        withExtendedLifetime(segments) {}
    }
}
