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
    /// One row of `embeddingLength` values per row of `logits`: the last block's hidden state after the
    /// model's final norm, i.e. what the output head reads (a learned router's input). Empty for an
    /// empty pass.
    public let hiddenStates: [[Float]]
    /// With a `LayerProbe`: the exits and hidden states it asked for; nil otherwise.
    public let layerExits: LayerExits?

    public init(
        logits: [[Float]], earlyExitLogits: [[Float]]?, hiddenStates: [[Float]] = [], layerExits: LayerExits? = nil
    ) {
        self.logits = logits
        self.earlyExitLogits = earlyExitLogits
        self.hiddenStates = hiddenStates
        self.layerExits = layerExits
    }
}

/// A sequence being evaluated by a model: the tokens it holds and their KV cache.
///
/// Owned by one task at a time (not `Sendable`). The KV cache (`KVCache`) is F32 by default (F16 on
/// request), in pages of `cacheChunk` positions allocated as needed and never moved; with a
/// `KVBudget`, pages are reserved from it first. Pass scratch belongs to the model.
///
/// Determinism: every row of every kernel is computed independently of how many rows share the
/// pass and of the pool's thread count, so logits for a position are bit-identical whether the
/// positions were appended in one pass or one at a time, after `truncate` + `append`, or inside a
/// batched pass with other sessions (`Model.forward(batch:)`).
public final class ModelSession {
    /// Positions added to the cache at a time when it has to grow (one page).
    public static let cacheChunk = 256

    public let model: Model
    /// The tokens in the cache, in order.
    public private(set) var tokens: [Int] = []
    /// Positions in the KV cache.
    public var count: Int { tokens.count }
    /// Positions the cache can hold before it has to grow again.
    public var capacity: Int { kv.capacity }
    /// How the cache stores keys and values.
    public var kvPrecision: KVPrecision { kv.precision }
    /// Bytes the cache's pages hold now.
    public var kvBytes: Int { kv.bytes }
    /// The budget the cache grows within, if any.
    public let budget: KVBudget?

    let kv: KVCache

    init(model: Model, precision: KVPrecision = .f32, budget: KVBudget? = nil) {
        self.model = model
        self.budget = budget
        let c = model.config
        kv = KVCache(
            layers: c.layerCount, width: c.kvWidth, precision: precision, pagePositions: Self.cacheChunk,
            maxPositions: c.contextLength)
    }

    deinit {
        budget?.release(kv.bytes)
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
    /// - Throws: `ModelError.tokenOutOfRange`, `.contextOverflow`, `.invalidEarlyExitLayer`,
    ///   `.kvBudgetExceeded`; on error nothing changes.
    @discardableResult
    public func append(_ newTokens: [Int], logits request: LogitsRequest = .all, earlyExitLayer: Int? = nil) throws
        -> ForwardOutput
    {
        try check(newTokens, earlyExitLayer: earlyExitLayer)
        if newTokens.isEmpty {
            return ForwardOutput(logits: [], earlyExitLogits: earlyExitLayer == nil ? nil : [])
        }
        return try model.pass([self], [newTokens], [request], earlyExitLayer: earlyExitLayer, onEarlyExit: nil)[0]
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
        try check(newTokens, earlyExitLayer: earlyExitLayer)
        if newTokens.isEmpty {
            onEarlyExit([])
            return ForwardOutput(logits: [], earlyExitLogits: [])
        }
        return try withoutActuallyEscaping(onEarlyExit) { callback in
            try model.pass(
                [self], [newTokens], [request], earlyExitLayer: earlyExitLayer,
                onEarlyExit: { rows in callback(rows[0]) })[0]
        }
    }

    /// Evaluates `tokens` like `append(_:logits:earlyExitLayer:)` and also reads, in the same ONE pass,
    /// the early-exit logits at every layer of `probe.exitLayers` and the hidden states (the residual
    /// stream after L blocks, before any norm) at every layer of `probe.hiddenLayers`. Each layer's
    /// exit rows equal `append(_:logits:earlyExitLayer: L).earlyExitLogits` exactly (the trained head
    /// at its layer, the model's own norm and head elsewhere); the final logits are untouched.
    /// - Throws: like `append(_:logits:earlyExitLayer:)` (`.invalidEarlyExitLayer` for any layer
    ///   outside 1...layerCount); on error nothing changes.
    public func append(_ newTokens: [Int], logits request: LogitsRequest = .all, probe: LayerProbe) throws
        -> ForwardOutput
    {
        try check(newTokens, earlyExitLayer: nil)
        for layer in probe.exitLayers.union(probe.hiddenLayers) {
            try check([], earlyExitLayer: layer)
        }
        if newTokens.isEmpty {
            return ForwardOutput(
                logits: [], earlyExitLogits: nil,
                layerExits: LayerExits(
                    logits: Dictionary(uniqueKeysWithValues: probe.exitLayers.map { ($0, []) }),
                    hidden: Dictionary(uniqueKeysWithValues: probe.hiddenLayers.map { ($0, []) })))
        }
        return try model.pass([self], [newTokens], [request], earlyExitLayer: nil, onEarlyExit: nil, probe: probe)[0]
    }

    /// Rolls the cache back to its first `newCount` positions (its pages are kept for reuse).
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

    /// Addresses of layer `layer`'s first key and value page (tests use them to prove that passes
    /// write the cache in place instead of copying it).
    func cacheAddresses(layer: Int) -> (keys: Int, values: Int) {
        kv.firstPageAddresses(layer: layer)
    }

    /// Checks tokens, context room and the early-exit layer; throws the first problem.
    func check(_ newTokens: [Int], earlyExitLayer: Int?) throws {
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
    }

    /// Bytes the cache must add to hold `extra` more positions.
    func growthBytes(for extra: Int) -> Int {
        kv.bytes(afterReserving: count + extra) - kv.bytes
    }

    /// Grows the cache to hold `extra` more positions (bytes already reserved from the budget).
    func grow(for extra: Int) {
        kv.reserve(positions: count + extra)
    }

    /// Records tokens a pass has written into the cache.
    func commit(_ newTokens: [Int]) {
        tokens.append(contentsOf: newTokens)
    }
}
