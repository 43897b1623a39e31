// TandemModel: the Llama-family transformer (`llama`, `qwen2`) over GGUF weights.
//
//   let model = try Model(path: "model.gguf", threads: 4)
//   let session = model.makeSession()
//   let out = try session.append(prompt, logits: .last)           // prefill: one pass
//   var sampler = try Sampler(config: SamplerConfig(temperature: 0.8, topP: 0.95, seed: 1))
//   let next = sampler.sample(out.logits[0], recent: session.tokens).token
//   let verify = try session.append([next] + drafts, logits: .all)  // k positions, one pass
//   try session.truncate(to: acceptedCount)                          // roll back rejected drafts
//
// Forward pass per block: x += Wo·attn(rope(Wq·n), rope(Wk·n), Wv·n) with n = rmsNorm(x, attn_norm)
// (+ q/k/v biases for qwen2); x += Wdown·(silu(Wgate·m) ⊙ Wup·m) with m = rmsNorm(x, ffn_norm);
// logits = Wout·rmsNorm(x, output_norm). RoPE pairs adjacent dims for llama and halves for qwen2.
// Early exit at layer L reads x after L blocks (blocks 0..<L) — see `ModelSession.append`.
// Every kernel computes each row independently of k and of the thread count, so one pass over k
// positions is bit-identical to k single-position passes.

import Synchronization
import TandemGGUF
import TandemKernels

/// One transformer block's weights.
struct LayerWeights: @unchecked Sendable {
    let attnNorm: [Float]
    let wq: WeightMatrix
    let wk: WeightMatrix
    let wv: WeightMatrix
    let wo: WeightMatrix
    let bq: [Float]?
    let bk: [Float]?
    let bv: [Float]?
    let ffnNorm: [Float]
    let gate: WeightMatrix
    let up: WeightMatrix
    let down: WeightMatrix

    /// The matrices that share an input, for fused matmuls.
    var qkv: [WeightMatrix] { [wq, wk, wv] }
    var gateUp: [WeightMatrix] { [gate, up] }
}

/// A trained early-exit head: its own norm, optionally a square adapter applied after the norm
/// (`early_exit.adapter.weight`), and optionally its own output matrix (else the model's).
struct EarlyExitHead: @unchecked Sendable {
    let layer: Int
    let norm: [Float]
    let adapter: WeightMatrix?
    let output: WeightMatrix?

    /// Reads `early_exit.*` tensors of `file` for a head at `layer`.
    init(layer: Int, file: GGUFFile, config: ModelConfig) throws {
        let loader = TensorLoader(file: file)
        let e = config.embeddingLength
        self.layer = layer
        norm = try loader.vector("early_exit.output_norm.weight", count: e)
        adapter =
            file.tensorInfo(named: "early_exit.adapter.weight") == nil
            ? nil : try loader.matrix("early_exit.adapter.weight", rows: e, cols: e)
        output =
            file.tensorInfo(named: "early_exit.output.weight") == nil
            ? nil : try loader.matrix("early_exit.output.weight", rows: config.vocabularySize, cols: e)
    }
}

/// A Llama-family model (`llama`, `qwen2`) over the weights of a GGUF file.
///
/// The model is immutable and shareable; all mutable state lives in the `ModelSession`s it
/// makes. Forward passes of all sessions of one model are serialised (one pass at a time per
/// model), so sessions never fight over the compute pool; one pass may serve several sessions at
/// once (`forward(batch:)`).
public final class Model: Sendable {
    public let config: ModelConfig
    public let file: GGUFFile
    public let pool: ComputePool

    let tokenEmbedding: WeightMatrix
    let outputNorm: [Float]
    let output: WeightMatrix
    let layers: [LayerWeights]
    let ropeFreqs: [Float]?
    let earlyExitHead: EarlyExitHead?
    /// Serialises forward passes of this model's sessions and holds their scratch.
    let passState = Mutex(Scratch())

    /// Loads and validates every tensor the forward pass needs.
    /// - Parameters:
    ///   - threads: size of the compute pool used for matmul and attention.
    ///   - exitHead: a side file holding a trained early-exit head (`tandem.early_exit.layer` and the
    ///     `early_exit.*` tensors, as `tools/train/fit_exit_head.py` writes it); it replaces the model
    ///     file's own head, if any.
    /// - Throws: `ModelError`; `.invalidExitHead` when the side file is unreadable or does not fit.
    public init(file: GGUFFile, threads: Int, exitHead: GGUFFile? = nil, exitHeadPath: String = "exit head") throws {
        let config = try ModelConfig(file: file)
        self.config = config
        self.file = file
        self.pool = ComputePool(threads: max(1, threads))
        let loader = TensorLoader(file: file)
        let e = config.embeddingLength

        tokenEmbedding = try loader.matrix("token_embd.weight", rows: config.vocabularySize, cols: e)
        outputNorm = try loader.vector("output_norm.weight", count: e)
        output =
            config.tiedOutput
            ? tokenEmbedding
            : try loader.matrix("output.weight", rows: config.vocabularySize, cols: e)

        var layers: [LayerWeights] = []
        layers.reserveCapacity(config.layerCount)
        for i in 0..<config.layerCount {
            let p = "blk.\(i)."
            let isQwen = config.architecture == .qwen2
            layers.append(
                LayerWeights(
                    attnNorm: try loader.vector(p + "attn_norm.weight", count: e),
                    wq: try loader.matrix(p + "attn_q.weight", rows: config.queryWidth, cols: e),
                    wk: try loader.matrix(p + "attn_k.weight", rows: config.kvWidth, cols: e),
                    wv: try loader.matrix(p + "attn_v.weight", rows: config.kvWidth, cols: e),
                    wo: try loader.matrix(p + "attn_output.weight", rows: e, cols: config.queryWidth),
                    bq: isQwen ? try loader.vector(p + "attn_q.bias", count: config.queryWidth) : nil,
                    bk: isQwen ? try loader.vector(p + "attn_k.bias", count: config.kvWidth) : nil,
                    bv: isQwen ? try loader.vector(p + "attn_v.bias", count: config.kvWidth) : nil,
                    ffnNorm: try loader.vector(p + "ffn_norm.weight", count: e),
                    gate: try loader.matrix(p + "ffn_gate.weight", rows: config.feedForwardLength, cols: e),
                    up: try loader.matrix(p + "ffn_up.weight", rows: config.feedForwardLength, cols: e),
                    down: try loader.matrix(p + "ffn_down.weight", rows: e, cols: config.feedForwardLength)))
        }
        self.layers = layers
        ropeFreqs = config.hasRopeFreqs ? try loader.vector("rope_freqs.weight", count: config.ropeDims / 2) : nil

        if let side = exitHead {
            earlyExitHead = try Self.sideHead(side, path: exitHeadPath, config: config)
        } else if let layer = config.earlyExitLayer {
            earlyExitHead = try EarlyExitHead(layer: layer, file: file, config: config)
        } else {
            earlyExitHead = nil
        }
    }

    /// The exit head of a side file, every problem as `ModelError.invalidExitHead`.
    private static func sideHead(_ file: GGUFFile, path: String, config: ModelConfig) throws -> EarlyExitHead {
        let layer: Int
        do {
            layer = try file.int("tandem.early_exit.layer")
        } catch {
            throw ModelError.invalidExitHead(path: path, reason: "no integer tandem.early_exit.layer: \(error)")
        }
        guard (1...config.layerCount).contains(layer) else {
            throw ModelError.invalidExitHead(
                path: path, reason: "tandem.early_exit.layer \(layer) is outside 1...\(config.layerCount)")
        }
        do {
            return try EarlyExitHead(layer: layer, file: file, config: config)
        } catch let error as ModelError {
            throw ModelError.invalidExitHead(path: path, reason: error.description)
        }
    }

    /// Opens a GGUF file (memory-mapped) and loads the model.
    /// - Parameter progress: called with 0...1 while the file's pages are touched in, so a
    ///   large model's first pass does not stall on page faults.
    /// - Parameter exitHead: the path of a trained exit-head side file (see `init(file:threads:exitHead:)`).
    public convenience init(
        path: String, threads: Int, exitHead: String? = nil, progress: ((Double) -> Void)? = nil
    ) throws {
        let file: GGUFFile
        do {
            file = try GGUFFile(path: path)
        } catch {
            throw ModelError.unreadableFile(path: path, reason: "\(error)")
        }
        var side: GGUFFile?
        if let exitHead {
            do {
                side = try GGUFFile(path: exitHead)
            } catch {
                throw ModelError.invalidExitHead(path: exitHead, reason: "\(error)")
            }
        }
        if let progress { file.prefault(progress: progress) }
        try self.init(file: file, threads: threads, exitHead: side, exitHeadPath: exitHead ?? "exit head")
    }

    /// The layer early exits read by default: the trained exit head's layer when the file has one
    /// (`tandem.early_exit.layer`), else the middle of the stack (`layerCount / 2`, at least 1).
    public var defaultEarlyExitLayer: Int {
        earlyExitHead?.layer ?? max(1, config.layerCount / 2)
    }

    /// The layer of the trained exit head in use (the side file's, else the model file's), if any.
    public var earlyExitHeadLayer: Int? { earlyExitHead?.layer }

    /// A new, empty session (KV cache) over this model.
    /// - Parameters:
    ///   - kvPrecision: how its cache stores keys and values (F32 by default).
    ///   - budget: a memory budget its cache grows within (shared with other sessions), if any.
    public func makeSession(kvPrecision: KVPrecision = .f32, budget: KVBudget? = nil) -> ModelSession {
        ModelSession(model: self, precision: kvPrecision, budget: budget)
    }
}

/// Reads tensors by name with shape and type checks that throw `ModelError`s.
struct TensorLoader {
    let file: GGUFFile

    func info(_ name: String) throws -> GGUFTensorInfo {
        guard let info = file.tensorInfo(named: name) else { throw ModelError.missingTensor(name: name) }
        return info
    }

    func matrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        let info = try info(name)
        guard info.dims == [cols, rows] else {
            throw ModelError.tensorShapeMismatch(name: name, expected: [cols, rows], found: info.dims)
        }
        guard WeightMatrix.supportedTypes.contains(info.type) else {
            throw ModelError.unsupportedTensorType(name: name, type: info.type.description)
        }
        guard cols % info.type.blockSize == 0 else {
            throw ModelError.tensorUnreadable(
                name: name,
                reason: "row length \(cols) is not a multiple of \(info.type)'s block size \(info.type.blockSize)")
        }
        do {
            // Zero-copy over the mapping; the matrix keeps the mapping alive.
            return try WeightMatrix(tensor: try file.tensor(named: name))
        } catch let error as ModelError {
            throw error
        } catch {
            throw ModelError.tensorUnreadable(name: name, reason: "\(error)")
        }
    }

    func vector(_ name: String, count: Int) throws -> [Float] {
        let info = try info(name)
        let dims = info.dims.filter { $0 != 1 }
        guard info.elementCount == count, dims.count <= 1 else {
            throw ModelError.tensorShapeMismatch(name: name, expected: [count], found: info.dims)
        }
        guard
            info.type == .f32 || info.type == .f16 || info.type == .bf16
                || WeightMatrix.supportedTypes.contains(info.type)
        else {
            throw ModelError.unsupportedTensorType(name: name, type: info.type.description)
        }
        do {
            let tensor = try file.tensor(named: name)
            return try Quantizer.dequantize(tensor.bytes, as: info.type, count: count)
        } catch {
            throw ModelError.tensorUnreadable(name: name, reason: "\(error)")
        }
    }
}
