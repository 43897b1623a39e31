import TandemGGUF
import TandemKernels

/// The hyperparameters of a Llama-family model, read from GGUF metadata and checked against
/// the tensors in the file.
public struct ModelConfig: Sendable, Equatable {
    public enum Architecture: String, Sendable, Equatable {
        case llama, qwen2
    }

    public var architecture: Architecture
    public var vocabularySize: Int
    public var contextLength: Int
    public var embeddingLength: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    /// Per-head dimension of queries and keys/values (`<arch>.attention.key_length`, else embd / heads).
    public var headDim: Int
    /// How many leading dims of each head are rotated (`<arch>.rope.dimension_count`, else headDim).
    public var ropeDims: Int
    public var feedForwardLength: Int
    public var rmsEpsilon: Float
    public var ropeBase: Float
    public var ropeStyle: RoPEStyle
    /// Whether `output.weight` is absent and the output head reuses `token_embd.weight`.
    public var tiedOutput: Bool
    /// Whether the file carries `rope_freqs.weight` (per-dimension frequency divisors).
    public var hasRopeFreqs: Bool
    /// The layer a trained early-exit head was trained for (`tandem.early_exit.layer`): its
    /// logits read the hidden state after this many blocks. Nil when the file has none.
    public var earlyExitLayer: Int?

    /// Width of the query projection (heads × headDim).
    public var queryWidth: Int { headCount * headDim }
    /// Width of the key and value projections (kvHeads × headDim).
    public var kvWidth: Int { kvHeadCount * headDim }

    public static func == (a: ModelConfig, b: ModelConfig) -> Bool {
        a.architecture == b.architecture && a.vocabularySize == b.vocabularySize
            && a.contextLength == b.contextLength && a.embeddingLength == b.embeddingLength
            && a.layerCount == b.layerCount && a.headCount == b.headCount
            && a.kvHeadCount == b.kvHeadCount && a.headDim == b.headDim && a.ropeDims == b.ropeDims
            && a.feedForwardLength == b.feedForwardLength && a.rmsEpsilon == b.rmsEpsilon
            && a.ropeBase == b.ropeBase && a.ropeStyle.isSame(as: b.ropeStyle)
            && a.tiedOutput == b.tiedOutput && a.hasRopeFreqs == b.hasRopeFreqs
            && a.earlyExitLayer == b.earlyExitLayer
    }

    /// Reads and validates the configuration. Tensor shapes are checked too, so a config that
    /// comes back is one the forward pass can run.
    public init(file: GGUFFile) throws {
        guard let archValue = file.value("general.architecture") else { throw ModelError.missingArchitecture }
        guard case .string(let archName) = archValue else {
            throw ModelError.invalidHyperparameter(key: "general.architecture", reason: "not a string")
        }
        guard let arch = Architecture(rawValue: archName) else { throw ModelError.unsupportedArchitecture(archName) }
        architecture = arch
        let p = archName + "."
        let meta = MetadataReader(file: file)

        contextLength = try meta.positiveInt(p + "context_length")
        embeddingLength = try meta.positiveInt(p + "embedding_length")
        layerCount = try meta.positiveInt(p + "block_count")
        feedForwardLength = try meta.positiveInt(p + "feed_forward_length")
        headCount = try meta.positiveInt(p + "attention.head_count")
        kvHeadCount = try meta.optionalPositiveInt(p + "attention.head_count_kv") ?? headCount
        let eps = try meta.double(p + "attention.layer_norm_rms_epsilon")
        guard eps > 0, eps.isFinite else {
            throw ModelError.invalidHyperparameter(
                key: p + "attention.layer_norm_rms_epsilon", reason: "must be > 0, got \(eps)")
        }
        rmsEpsilon = Float(eps)
        let base = try meta.optionalDouble(p + "rope.freq_base") ?? 10000
        guard base > 0, base.isFinite else {
            throw ModelError.invalidHyperparameter(key: p + "rope.freq_base", reason: "must be > 0, got \(base)")
        }
        ropeBase = Float(base)
        ropeStyle = arch == .llama ? .adjacentPairs : .halves

        guard headCount % kvHeadCount == 0 else {
            throw ModelError.invalidHyperparameter(
                key: p + "attention.head_count_kv",
                reason: "\(kvHeadCount) KV heads do not divide \(headCount) heads")
        }
        if let keyLength = try meta.optionalPositiveInt(p + "attention.key_length") {
            headDim = keyLength
            if let valueLength = try meta.optionalPositiveInt(p + "attention.value_length"), valueLength != keyLength {
                throw ModelError.invalidHyperparameter(
                    key: p + "attention.value_length",
                    reason: "value length \(valueLength) differs from key length \(keyLength) (unsupported)")
            }
        } else {
            guard embeddingLength % headCount == 0 else {
                throw ModelError.invalidHyperparameter(
                    key: p + "attention.head_count",
                    reason: "\(headCount) heads do not divide embedding length \(embeddingLength)")
            }
            headDim = embeddingLength / headCount
        }
        ropeDims = try meta.optionalPositiveInt(p + "rope.dimension_count") ?? headDim
        guard ropeDims <= headDim, ropeDims % 2 == 0 else {
            throw ModelError.invalidHyperparameter(
                key: p + "rope.dimension_count",
                reason: "\(ropeDims) must be even and at most the head dim \(headDim)")
        }

        // Vocabulary: the embedding table is authoritative; vocab_size, when present, must agree.
        guard let embd = file.tensorInfo(named: "token_embd.weight") else {
            throw ModelError.missingTensor(name: "token_embd.weight")
        }
        guard embd.dims.count == 2, embd.dims[0] == embeddingLength, embd.dims[1] > 0 else {
            throw ModelError.tensorShapeMismatch(
                name: "token_embd.weight", expected: [embeddingLength, embd.dims.count == 2 ? embd.dims[1] : -1],
                found: embd.dims)
        }
        vocabularySize = embd.dims[1]
        if let declared = try meta.optionalPositiveInt(p + "vocab_size"), declared != vocabularySize {
            throw ModelError.invalidHyperparameter(
                key: p + "vocab_size",
                reason: "\(declared) disagrees with token_embd.weight's \(vocabularySize) rows")
        }
        tiedOutput = file.tensorInfo(named: "output.weight") == nil
        hasRopeFreqs = file.tensorInfo(named: "rope_freqs.weight") != nil

        if let layer = try meta.optionalInt("tandem.early_exit.layer") {
            guard layer >= 1, layer <= layerCount else {
                throw ModelError.invalidHyperparameter(
                    key: "tandem.early_exit.layer", reason: "\(layer) is outside 1...\(layerCount)")
            }
            earlyExitLayer = layer
        } else {
            earlyExitLayer = nil
        }
    }
}

extension RoPEStyle {
    fileprivate func isSame(as other: RoPEStyle) -> Bool {
        switch (self, other) {
        case (.adjacentPairs, .adjacentPairs), (.halves, .halves): return true
        default: return false
        }
    }
}

/// Numeric metadata access that accepts any integer/float GGUF type and reports the key by name.
struct MetadataReader {
    let file: GGUFFile

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = file.value(key) else { return nil }
        switch value {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v):
            guard let i = Int(exactly: v) else {
                throw ModelError.invalidHyperparameter(key: key, reason: "\(v) is too large")
            }
            return i
        case .int64(let v): return Int(v)
        default: throw ModelError.invalidHyperparameter(key: key, reason: "expected an integer")
        }
    }

    func optionalPositiveInt(_ key: String) throws -> Int? {
        guard let v = try optionalInt(key) else { return nil }
        guard v > 0 else { throw ModelError.invalidHyperparameter(key: key, reason: "must be positive, got \(v)") }
        return v
    }

    func positiveInt(_ key: String) throws -> Int {
        guard let v = try optionalPositiveInt(key) else { throw ModelError.missingMetadata(key: key) }
        return v
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard let value = file.value(key) else { return nil }
        switch value {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default:
            if let i = try? optionalInt(key) { return Double(i) }
            throw ModelError.invalidHyperparameter(key: key, reason: "expected a number")
        }
    }

    func double(_ key: String) throws -> Double {
        guard let v = try optionalDouble(key) else { throw ModelError.missingMetadata(key: key) }
        return v
    }
}
