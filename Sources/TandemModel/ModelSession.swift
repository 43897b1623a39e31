import TandemGGUF
import TandemKernels

/// Which positions of a forward pass produce logits.
public enum LogitsRequest: Sendable, Equatable {
    /// One row per appended position, in order.
    case all
    /// One row, for the last appended position (the next-token distribution).
    case last
    /// No logits (prefill whose output is not needed).
    case none
}

/// The result of one `ModelSession.append`.
public struct ForwardOutput: Sendable {
    /// One row of `vocabularySize` logits per requested position (see `LogitsRequest`).
    public let logits: [[Float]]
    /// With an early-exit layer requested: one row per requested position, the same rows as
    /// `logits`; nil when no early exit was requested.
    public let earlyExitLogits: [[Float]]?
}

/// A sequence being evaluated by a model: the tokens it holds and their KV cache.
///
/// Owned by one task at a time (not `Sendable`). The KV cache is F32, laid out per layer as
/// `[position][kvHead][headDim]`, and grows in chunks of `cacheChunk` positions as needed.
/// Scratch buffers are sized for the largest number of positions seen in one pass and reused.
///
/// Determinism: every row of every kernel is computed independently of how many rows share the
/// pass and of the pool's thread count, so logits for a position are bit-identical whether the
/// positions were appended in one pass or one at a time, and after `truncate` + `append`.
public final class ModelSession {
    /// Positions added to the cache at a time when it has to grow.
    public static let cacheChunk = 256

    public let model: Model
    /// The tokens in the cache, in order.
    public private(set) var tokens: [Int] = []
    /// Positions in the KV cache.
    public var count: Int { tokens.count }
    /// Positions the cache can hold before it has to grow again.
    public private(set) var capacity: Int = 0

    private var keyCache: [[Float]]
    private var valueCache: [[Float]]
    private var scratch = Scratch()

    init(model: Model) {
        self.model = model
        keyCache = Array(repeating: [], count: model.config.layerCount)
        valueCache = Array(repeating: [], count: model.config.layerCount)
    }

    /// Evaluates `tokens` at the next positions in ONE forward pass and adds them to the cache.
    ///
    /// - Parameters:
    ///   - logits: which of the new positions produce logits.
    ///   - earlyExitLayer: when set to L (1...layerCount), also returns logits read from the hidden
    ///     state after the first L blocks (blocks 0..<L): that state goes through the trained
    ///     exit norm (`early_exit.output_norm.weight`) and exit head (`early_exit.output.weight`, else
    ///     the model's output head) when L equals the file's `tandem.early_exit.layer`, and through
    ///     the model's own `output_norm` and output head otherwise. L = layerCount without a trained
    ///     head therefore reproduces the normal logits exactly. Rows follow `logits`.
    /// - Throws: `ModelError.tokenOutOfRange`, `.contextOverflow`, `.invalidEarlyExitLayer`; on
    ///   error nothing changes.
    @discardableResult
    public func append(_ newTokens: [Int], logits request: LogitsRequest = .all, earlyExitLayer: Int? = nil) throws
        -> ForwardOutput
    {
        let config = model.config
        for token in newTokens where token < 0 || token >= config.vocabularySize {
            throw ModelError.tokenOutOfRange(token: token, vocabularySize: config.vocabularySize)
        }
        if count + newTokens.count > config.contextLength {
            throw ModelError.contextOverflow(requested: count + newTokens.count, contextLength: config.contextLength)
        }
        if let layer = earlyExitLayer, layer < 1 || layer > config.layerCount {
            throw ModelError.invalidEarlyExitLayer(layer, layerCount: config.layerCount)
        }
        if newTokens.isEmpty {
            return ForwardOutput(logits: [], earlyExitLogits: earlyExitLayer == nil ? nil : [])
        }
        let output = model.passLock.withLock { _ in
            forward(newTokens, request: request, earlyExitLayer: earlyExitLayer, onEarlyExit: nil)
        }
        tokens.append(contentsOf: newTokens)
        return output
    }

    /// The layer early exits read by default: the trained exit head's (`tandem.early_exit.layer`), else
    /// the middle of the stack (`layerCount / 2`, at least 1), through the model's own norm and head.
    public var defaultEarlyExitLayer: Int { model.defaultEarlyExitLayer }

    /// Evaluates `tokens` like `append(_:logits:earlyExitLayer:)` and hands the early-exit rows to
    /// `onEarlyExit` as soon as block `earlyExitLayer − 1` is done, BEFORE the remaining blocks run, so
    /// a caller can act on the early guess while the pass goes on.
    ///
    /// `onEarlyExit` runs synchronously on the calling thread while the model's pass lock is held: it
    /// must return quickly and must not use this model. Its rows are exactly the `earlyExitLogits` of
    /// `append(_:logits:earlyExitLayer:)`, and the returned final logits are bit-identical to a pass
    /// without the callback. With `logits: .none` it receives no rows.
    /// - Throws: like `append(_:logits:earlyExitLayer:)`; on error the callback is not called.
    @discardableResult
    public func append(
        _ newTokens: [Int], logits request: LogitsRequest = .all, earlyExitLayer: Int,
        onEarlyExit: ([[Float]]) -> Void
    ) throws -> ForwardOutput {
        let config = model.config
        for token in newTokens where token < 0 || token >= config.vocabularySize {
            throw ModelError.tokenOutOfRange(token: token, vocabularySize: config.vocabularySize)
        }
        if count + newTokens.count > config.contextLength {
            throw ModelError.contextOverflow(requested: count + newTokens.count, contextLength: config.contextLength)
        }
        if earlyExitLayer < 1 || earlyExitLayer > config.layerCount {
            throw ModelError.invalidEarlyExitLayer(earlyExitLayer, layerCount: config.layerCount)
        }
        if newTokens.isEmpty {
            onEarlyExit([])
            return ForwardOutput(logits: [], earlyExitLogits: [])
        }
        let output = withoutActuallyEscaping(onEarlyExit) { callback in
            model.passLock.withLock { _ in
                forward(newTokens, request: request, earlyExitLayer: earlyExitLayer, onEarlyExit: callback)
            }
        }
        tokens.append(contentsOf: newTokens)
        return output
    }

    /// Rolls the cache back to its first `newCount` positions.
    public func truncate(to newCount: Int) throws {
        guard newCount >= 0, newCount <= count else {
            throw ModelError.invalidTruncation(requested: newCount, count: count)
        }
        tokens.removeLast(count - newCount)
    }

    /// Empties the cache (its memory is kept for reuse).
    public func reset() {
        tokens.removeAll(keepingCapacity: true)
    }

    /// Address of layer `layer`'s key and value cache storage (tests use it to prove that passes
    /// write the cache in place instead of copying it).
    func cacheAddresses(layer: Int) -> (keys: UnsafeRawPointer?, values: UnsafeRawPointer?) {
        let k = keyCache[layer].withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        let v = valueCache[layer].withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        return (k, v)
    }

    // MARK: - Forward pass

    private func ensureCapacity(_ needed: Int) {
        guard needed > capacity else { return }
        let chunk = Self.cacheChunk
        // Round up to whole chunks, never past the context length (needed ≤ contextLength).
        let newCapacity = min((needed + chunk - 1) / chunk * chunk, model.config.contextLength)
        let width = model.config.kvWidth
        let extra = (newCapacity - capacity) * width
        for l in 0..<keyCache.count {
            keyCache[l].append(contentsOf: repeatElement(0, count: extra))
            valueCache[l].append(contentsOf: repeatElement(0, count: extra))
        }
        capacity = newCapacity
    }

    private func forward(
        _ batch: [Int], request: LogitsRequest, earlyExitLayer: Int?,
        onEarlyExit: (([[Float]]) -> Void)?
    ) -> ForwardOutput {
        let model = self.model
        let config = model.config
        let pool = model.pool
        let k = batch.count
        let first = count
        let e = config.embeddingLength
        let kvw = config.kvWidth
        let ff = config.feedForwardLength
        let positions = Array(first..<(first + k))

        ensureCapacity(first + k)
        // Move the buffers out of `self` so each is uniquely referenced while kernels write to it.
        var s = Scratch()
        swap(&s, &scratch)
        var keys: [[Float]] = []
        var values: [[Float]] = []
        swap(&keys, &keyCache)
        swap(&values, &valueCache)
        defer {
            swap(&s, &scratch)
            swap(&keys, &keyCache)
            swap(&values, &valueCache)
        }
        s.reserve(k: k, config: config)

        for (i, token) in batch.enumerated() {
            model.tokenEmbedding.dequantizeRow(token, into: &s.x, at: i * e)
        }

        let rowCount = request == .all ? k : (request == .last ? 1 : 0)
        let firstRow = k - rowCount
        var exitLogits: [[Float]]? = earlyExitLayer == nil ? nil : []

        for (l, layer) in model.layers.enumerated() {
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
                positions: positions, base: config.ropeBase, freqFactors: model.ropeFreqs, style: config.ropeStyle)
            Kernels.rope(
                &s.k, count: k, heads: config.kvHeadCount, headDim: config.headDim, ropeDims: config.ropeDims,
                positions: positions, base: config.ropeBase, freqFactors: model.ropeFreqs, style: config.ropeStyle)
            keys[l].withUnsafeMutableBufferPointer { dst in
                s.k.withUnsafeBufferPointer { src in
                    (dst.baseAddress! + first * kvw).update(from: src.baseAddress!, count: k * kvw)
                }
            }
            values[l].withUnsafeMutableBufferPointer { dst in
                s.v.withUnsafeBufferPointer { src in
                    (dst.baseAddress! + first * kvw).update(from: src.baseAddress!, count: k * kvw)
                }
            }
            Kernels.attention(
                query: s.q, count: k, firstPosition: first, keys: keys[l], values: values[l],
                heads: config.headCount, kvHeads: config.kvHeadCount, headDim: config.headDim,
                output: &s.att, pool: pool)
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
                if rowCount > 0 {
                    let exitHidden = Array(s.x[(firstRow * e)..<(k * e)])
                    if let trained = model.earlyExitHead, trained.layer == exit {
                        exitLogits = head(
                            exitHidden, rows: rowCount, norm: trained.norm, output: trained.output ?? model.output,
                            scratch: &s)
                    } else {
                        exitLogits = head(
                            exitHidden, rows: rowCount, norm: model.outputNorm, output: model.output, scratch: &s)
                    }
                }
                onEarlyExit?(exitLogits ?? [])
            }
        }

        guard rowCount > 0 else {
            return ForwardOutput(logits: [], earlyExitLogits: exitLogits)
        }
        let hidden = firstRow == 0 ? s.x : Array(s.x[(firstRow * e)..<(k * e)])
        let logits = head(hidden, rows: rowCount, norm: model.outputNorm, output: model.output, scratch: &s)
        return ForwardOutput(logits: logits, earlyExitLogits: exitLogits)
    }

    /// Final norm + output projection for `rows` hidden states.
    private func head(_ hidden: [Float], rows: Int, norm: [Float], output: WeightMatrix, scratch s: inout Scratch)
        -> [[Float]]
    {
        let config = model.config
        let vocab = output.rows
        grow(&s.xn, to: rows * config.embeddingLength)
        grow(&s.logits, to: rows * vocab)
        Kernels.rmsNorm(hidden, weight: norm, eps: config.rmsEpsilon, count: rows, output: &s.xn)
        Kernels.matmul(output, input: s.xn, count: rows, output: &s.logits, pool: model.pool)
        return (0..<rows).map { r in Array(s.logits[(r * vocab)..<((r + 1) * vocab)]) }
    }
}

/// Per-pass working memory, sized for the largest pass seen.
struct Scratch {
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
