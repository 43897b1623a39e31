// The forward pass over the new positions of one or several sessions.
//
// Rows of all sessions are stacked into one activation matrix, so every matmul (q/k/v, output,
// gate/up, down, the output head) reads each weight once for the whole batch; RoPE uses each row's
// own position; attention runs per session over its own cache, all sessions in one dispatch. Every
// kernel computes a row independently of the other rows and of the thread count, so a position's
// logits are bit-identical whatever else shares the pass.

import TandemKernels

/// One session's share of a pass: its new tokens, at positions `first ..< first + tokens.count`.
struct PassSegment {
    let session: ModelSession
    let tokens: [Int]
    let request: LogitsRequest
    let first: Int

    /// How many of the segment's positions produce logits, and the first of them.
    var logitRows: (first: Int, count: Int) {
        switch request {
        case .all: return (0, tokens.count)
        case .last: return (tokens.count - 1, 1)
        case .none: return (tokens.count, 0)
        }
    }
}

extension Model {
    /// Runs one pass over `segments` (each non-empty, caches already grown to hold the new
    /// positions) and writes their keys and values into their caches. The caller holds `passState`
    /// and lends its scratch. Returns one output per segment, in order. With `earlyExitLayer`, the
    /// early rows of every segment go to `onEarlyExit` (one list per segment) right after that block.
    /// `probe` asks for more exits and hidden states on the way (see `LayerProbe`); they come back in
    /// each output's `layerExits`.
    func runPass(
        _ segments: [PassSegment], scratch s: inout Scratch, earlyExitLayer: Int?,
        onEarlyExit: (([[[Float]]]) -> Void)?, probe: LayerProbe = LayerProbe()
    ) -> [ForwardOutput] {
        let config = self.config
        let e = config.embeddingLength
        let ff = config.feedForwardLength
        var starts: [Int] = []
        var positions: [Int] = []
        var tokens: [Int] = []
        for segment in segments {
            starts.append(tokens.count)
            tokens += segment.tokens
            positions += segment.first..<(segment.first + segment.tokens.count)
        }
        let k = tokens.count
        s.reserve(k: k, config: config)
        let attention = segments.enumerated().map { i, segment in
            AttentionSegment(
                cache: segment.session.kv, firstRow: starts[i], count: segment.tokens.count,
                firstPosition: segment.first)
        }
        // The rows that produce logits, in segment order.
        var headRows: [Int] = []
        for (i, segment) in segments.enumerated() {
            let rows = segment.logitRows
            headRows += (starts[i] + rows.first)..<(starts[i] + rows.first + rows.count)
        }

        for (i, token) in tokens.enumerated() {
            tokenEmbedding.dequantizeRow(token, into: &s.x, at: i * e)
        }

        var exitRows: [[Float]]? = earlyExitLayer == nil ? nil : []
        var probedLogits: [Int: [[Float]]] = [:]
        var probedHidden: [Int: [[Float]]] = [:]
        for (l, layer) in layers.enumerated() {
            // Attention.
            Kernels.rmsNorm(s.x, weight: layer.attnNorm, eps: config.rmsEpsilon, count: k, output: &s.xn)
            // q, k and v share one input: one dispatch, activations quantized once. The buffers
            // are moved (not copied) in and out so each stays uniquely referenced.
            var qkv = [s.q, s.k, s.v]
            s.q = []
            s.k = []
            s.v = []
            Kernels.matmul(layer.qkv, input: s.xn, count: k, outputs: &qkv, pool: pool)
            s.v = qkv.removeLast()
            s.k = qkv.removeLast()
            s.q = qkv.removeLast()
            if let b = layer.bq { Kernels.addBias(&s.q, bias: b, count: k) }
            if let b = layer.bk { Kernels.addBias(&s.k, bias: b, count: k) }
            if let b = layer.bv { Kernels.addBias(&s.v, bias: b, count: k) }
            Kernels.rope(
                &s.q, count: k, heads: config.headCount, headDim: config.headDim, ropeDims: config.ropeDims,
                positions: positions, base: config.ropeBase, freqFactors: ropeFreqs, style: config.ropeStyle)
            Kernels.rope(
                &s.k, count: k, heads: config.kvHeadCount, headDim: config.headDim, ropeDims: config.ropeDims,
                positions: positions, base: config.ropeBase, freqFactors: ropeFreqs, style: config.ropeStyle)
            for (i, segment) in segments.enumerated() {
                segment.session.kv.write(
                    layer: l, position: segment.first, count: segment.tokens.count, keys: s.k, values: s.v,
                    row: starts[i])
            }
            Kernels.attention(
                query: s.q, segments: attention, layer: l, heads: config.headCount, kvHeads: config.kvHeadCount,
                headDim: config.headDim, output: &s.att, pool: pool)
            Kernels.matmul(layer.wo, input: s.att, count: k, output: &s.tmp, pool: pool)
            Kernels.add(&s.x, s.tmp, count: k * e)

            // Feed-forward (SwiGLU).
            Kernels.rmsNorm(s.x, weight: layer.ffnNorm, eps: config.rmsEpsilon, count: k, output: &s.xn)
            var gateUp = [s.gate, s.up]
            s.gate = []
            s.up = []
            Kernels.matmul(layer.gateUp, input: s.xn, count: k, outputs: &gateUp, pool: pool)
            s.up = gateUp.removeLast()
            s.gate = gateUp.removeLast()
            Kernels.siluMul(&s.gate, s.up, count: k * ff)
            Kernels.matmul(layer.down, input: s.gate, count: k, output: &s.tmp, pool: pool)
            Kernels.add(&s.x, s.tmp, count: k * e)

            if let exit = earlyExitLayer, exit == l + 1 {
                // The early head runs here, mid-pass, so its rows can leave before the remaining
                // blocks run. It only uses `xn` and `logits` scratch, which the next block rewrites.
                if !headRows.isEmpty {
                    exitRows = exitHead(
                        layer: exit, gather(s.x, rows: headRows, width: e), rows: headRows.count, scratch: &s)
                }
                onEarlyExit?(split(exitRows ?? [], segments))
            }
            if !headRows.isEmpty, probe.exitLayers.contains(l + 1) || probe.hiddenLayers.contains(l + 1) {
                let hidden = gather(s.x, rows: headRows, width: e)
                if probe.hiddenLayers.contains(l + 1) {
                    probedHidden[l + 1] = (0..<headRows.count).map { r in Array(hidden[(r * e)..<((r + 1) * e)]) }
                }
                if probe.exitLayers.contains(l + 1) {
                    probedLogits[l + 1] = exitHead(layer: l + 1, hidden, rows: headRows.count, scratch: &s)
                }
            }
        }

        let logits: [[Float]]
        let normed: [[Float]]
        if headRows.isEmpty {
            logits = []
            normed = []
        } else {
            let hidden = headRows.count == k ? s.x : gather(s.x, rows: headRows, width: e)
            logits = head(hidden, rows: headRows.count, norm: outputNorm, output: output, scratch: &s)
            // `head` leaves the normed rows in `xn`; a copy of rows × width floats is small beside the
            // rows × vocabulary logits.
            normed = (0..<headRows.count).map { r in Array(s.xn[(r * e)..<((r + 1) * e)]) }
        }
        let perSegment = split(logits, segments)
        let hiddenPerSegment = split(normed, segments)
        let exitPerSegment = exitRows.map { split($0, segments) }
        let probedLogitsPerSegment = probedLogits.mapValues { split($0, segments) }
        let probedHiddenPerSegment = probedHidden.mapValues { split($0, segments) }
        return segments.indices.map { i in
            ForwardOutput(
                logits: perSegment[i], earlyExitLogits: exitPerSegment?[i], hiddenStates: hiddenPerSegment[i],
                layerExits: probe.isEmpty
                    ? nil
                    : LayerExits(
                        logits: probedLogitsPerSegment.mapValues { $0[i] },
                        hidden: probedHiddenPerSegment.mapValues { $0[i] }))
        }
    }

    /// The early-exit logits of `rows` hidden states read after `layer` blocks: through the trained exit
    /// head when it sits at that layer (its norm, its adapter if any, its output matrix or the model's),
    /// else through the model's own final norm and output head.
    private func exitHead(layer: Int, _ hidden: [Float], rows: Int, scratch s: inout Scratch) -> [[Float]] {
        guard let trained = earlyExitHead, trained.layer == layer else {
            return head(hidden, rows: rows, norm: outputNorm, output: output, scratch: &s)
        }
        return head(
            hidden, rows: rows, norm: trained.norm, adapter: trained.adapter, output: trained.output ?? output,
            scratch: &s)
    }

    /// Copies the rows `rows` (each `width` floats) of `x` into one contiguous buffer.
    private func gather(_ x: [Float], rows: [Int], width: Int) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(rows.count * width)
        for r in rows { out += x[(r * width)..<((r + 1) * width)] }
        return out
    }

    /// Splits head rows (in segment order) back into one list per segment.
    private func split(_ rows: [[Float]], _ segments: [PassSegment]) -> [[[Float]]] {
        var at = 0
        return segments.map { segment in
            let n = segment.logitRows.count
            defer { at += n }
            return Array(rows[at..<(at + n)])
        }
    }

    /// Final norm (+ the exit head's adapter: a square matrix applied after the norm) + output projection
    /// for `rows` hidden states.
    private func head(
        _ hidden: [Float], rows: Int, norm: [Float], adapter: WeightMatrix? = nil, output: WeightMatrix,
        scratch s: inout Scratch
    ) -> [[Float]] {
        let vocab = output.rows
        grow(&s.xn, to: rows * config.embeddingLength)
        grow(&s.logits, to: rows * vocab)
        Kernels.rmsNorm(hidden, weight: norm, eps: config.rmsEpsilon, count: rows, output: &s.xn)
        if let adapter {
            grow(&s.tmp, to: rows * config.embeddingLength)
            Kernels.matmul(adapter, input: s.xn, count: rows, output: &s.tmp, pool: pool)
            swap(&s.xn, &s.tmp)
        }
        Kernels.matmul(output, input: s.xn, count: rows, output: &s.logits, pool: pool)
        return (0..<rows).map { r in Array(s.logits[(r * vocab)..<((r + 1) * vocab)]) }
    }
}

/// Per-pass working memory, sized for the largest pass seen (one per model, used under its lock).
struct Scratch: Sendable {
    var x: [Float] = []
    var xn: [Float] = []
    var q: [Float] = []
    var k: [Float] = []
    var v: [Float] = []
    var att: [Float] = []
    var tmp: [Float] = []
    var gate: [Float] = []
    var up: [Float] = []
    var logits: [Float] = []

    mutating func reserve(k n: Int, config c: ModelConfig) {
        grow(&x, to: n * c.embeddingLength)
        grow(&xn, to: n * c.embeddingLength)
        grow(&q, to: n * c.queryWidth)
        grow(&k, to: n * c.kvWidth)
        grow(&v, to: n * c.kvWidth)
        grow(&att, to: n * c.queryWidth)
        grow(&tmp, to: n * c.embeddingLength)
        grow(&gate, to: n * c.feedForwardLength)
        grow(&up, to: n * c.feedForwardLength)
    }
}

@inline(__always)
func grow(_ buffer: inout [Float], to count: Int) {
    if buffer.count < count { buffer.append(contentsOf: repeatElement(0, count: count - buffer.count)) }
}
