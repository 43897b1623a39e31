import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemTokenizer

extension TargetModel {
    /// A target backed by the engine: sessions of `model` (one KV cache each) sampled with the engine's
    /// sampler, every pass on one queue.
    ///
    /// - Parameters:
    ///   - id: the name clients see (usually the file name).
    ///   - tokenizer: the model file's tokenizer; its fingerprint is what drafts must match.
    ///   - sha256: the model file's SHA-256 (`ModelFileDigest`), when computed.
    public init(model: Model, id: String, tokenizer: Tokenizer, sha256: String? = nil) {
        self.init(
            id: id, fingerprint: tokenizer.fingerprint, vocabularySize: model.config.vocabularySize,
            contextLength: model.config.contextLength, queue: ComputeQueue(label: "tandem.target.\(id)"),
            shaper: SamplingDistribution.factory, sha256: sha256, tokenizer: tokenizer
        ) { model.makeSession() }
    }

    /// A target like `init(model:id:tokenizer:)` whose provisional verdicts (early exits) read layer
    /// `exitLayer` (1...layerCount) instead of the model's default (its trained exit head, else the
    /// middle layer).
    /// - Throws: `ModelError.invalidEarlyExitLayer` for a layer outside the model.
    public init(model: Model, id: String, tokenizer: Tokenizer, exitLayer: Int, sha256: String? = nil) throws {
        let layers = model.config.layerCount
        guard (1...max(1, layers)).contains(exitLayer) else {
            throw ModelError.invalidEarlyExitLayer(exitLayer, layerCount: layers)
        }
        self.init(
            id: id, fingerprint: tokenizer.fingerprint, vocabularySize: model.config.vocabularySize,
            contextLength: model.config.contextLength, queue: ComputeQueue(label: "tandem.target.\(id)"),
            shaper: SamplingDistribution.factory, sha256: sha256, tokenizer: tokenizer
        ) { try EarlyExitSession(model.makeSession(), exitLayer: exitLayer) }
    }

    /// A target backed by the engine and served as `serving` says: sessions' passes batched
    /// (continuous batching, one `PassBatcher` for the model) unless `maxBatchPositions` is 0, caches
    /// in `kvPrecision`, all within `kvBudgetMB` when set (beyond it clients get `kv_budget` errors).
    /// Early exits read `exitLayer` (default: the trained head's layer, else the middle).
    /// - Throws: `ModelError.invalidEarlyExitLayer` for a layer outside the model.
    public init(
        model: Model, id: String, tokenizer: Tokenizer, exitLayer: Int? = nil, serving: EngineServing,
        sha256: String? = nil
    ) throws {
        try self.init(
            model: model, id: id, fingerprint: tokenizer.fingerprint, exitLayer: exitLayer, serving: serving,
            sha256: sha256)
        // With its tokenizer the target also answers the OpenAI-compatible endpoints.
        self.tokenizer = tokenizer
    }

    /// ``init(model:id:tokenizer:exitLayer:serving:sha256:)`` with the tokenizer's fingerprint given
    /// directly (benchmarks, and models whose tokenizer the server does not need).
    public init(
        model: Model, id: String, fingerprint: String, exitLayer: Int? = nil, serving: EngineServing,
        sha256: String? = nil
    ) throws {
        let layers = model.config.layerCount
        if let exitLayer, !(1...max(1, layers)).contains(exitLayer) {
            throw ModelError.invalidEarlyExitLayer(exitLayer, layerCount: layers)
        }
        let batcher =
            serving.maxBatchPositions > 0
            ? PassBatcher(
                model: model, maxPositions: serving.maxBatchPositions, maxLinger: serving.maxBatchLingerSeconds) : nil
        let budget = serving.kvBudgetMB.map { KVBudget(megabytes: $0) }
        let precision = serving.kvPrecision
        self.init(
            id: id, fingerprint: fingerprint, vocabularySize: model.config.vocabularySize,
            contextLength: model.config.contextLength, queue: ComputeQueue(label: "tandem.target.\(id)"),
            shaper: SamplingDistribution.factory, sha256: sha256
        ) {
            EngineSession(
                model.makeSession(kvPrecision: precision, budget: budget), batcher: batcher, exitLayer: exitLayer)
        }
        self.batcher = batcher
        self.kvBudget = budget
    }
}
