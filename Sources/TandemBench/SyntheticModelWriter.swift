import Foundation
import TandemGGUF
import TandemKernels
import TandemModel
import TandemSampling

/// Writes a random-weight Llama model of a given shape and tensor type with the project's own
/// GGUF writer, so the engine benchmark runs on files every machine can make.
///
/// The weights are scaled like a trained model's (≈ N(0, 0.02), norms ≈ 1) so activations stay in a
/// realistic range; the values are meaningless. The file carries no tokenizer (`tokenizer.ggml.model =
/// "none"`), which llama.cpp accepts for token-id benchmarks.
public struct SyntheticModelWriter {
    public var shape: ModelShape
    public var type: GGMLType
    public var seed: UInt64 = 42

    public init(shape: ModelShape, type: GGMLType, seed: UInt64 = 42) {
        self.shape = shape
        self.type = type
        self.seed = seed
    }

    public func write(to path: String, progress: (Double) -> Void) throws {
        var writer = GGUFWriter()
        let a = "llama"
        writer.set("general.architecture", .string(a))
        writer.set("general.name", .string("tandem-synthetic-\(shape.name)-\(type.description.lowercased())"))
        writer.set("\(a).context_length", .uint32(UInt32(shape.contextLength)))
        writer.set("\(a).embedding_length", .uint32(UInt32(shape.embedding)))
        writer.set("\(a).block_count", .uint32(UInt32(shape.layers)))
        writer.set("\(a).feed_forward_length", .uint32(UInt32(shape.feedForward)))
        writer.set("\(a).attention.head_count", .uint32(UInt32(shape.heads)))
        writer.set("\(a).attention.head_count_kv", .uint32(UInt32(shape.kvHeads)))
        writer.set("\(a).attention.layer_norm_rms_epsilon", .float32(1e-5))
        writer.set("\(a).rope.freq_base", .float32(Float(shape.ropeBase)))
        writer.set("\(a).rope.dimension_count", .uint32(UInt32(shape.headDim)))
        writer.set("\(a).vocab_size", .uint32(UInt32(shape.vocabulary)))
        writer.set("tokenizer.ggml.model", .string("none"))

        var random = SamplerRNG(seed: seed)
        let e = shape.embedding
        let kv = shape.kvHeads * shape.headDim
        let ff = shape.feedForward
        var matrices: [(String, Int, Int)] = [("token_embd.weight", shape.vocabulary, e)]
        for layer in 0..<shape.layers {
            let p = "blk.\(layer)."
            matrices += [
                (p + "attn_q.weight", e, e), (p + "attn_k.weight", kv, e), (p + "attn_v.weight", kv, e),
                (p + "attn_output.weight", e, e), (p + "ffn_gate.weight", ff, e),
                (p + "ffn_up.weight", ff, e), (p + "ffn_down.weight", e, ff),
            ]
        }
        let total = Double(matrices.reduce(0) { $0 + $1.1 * $1.2 })
        var done = 0.0
        for (name, rows, cols) in matrices {
            let values = (0..<(rows * cols)).map { _ in random.nextGaussian() * 0.02 }
            let bytes = try Quantizer.quantize(values, as: type)
            try writer.addTensor(name: name, type: type, dims: [cols, rows], bytes: bytes)
            done += Double(rows * cols)
            progress(done / total)
        }
        let norms =
            ["output_norm.weight"]
            + (0..<shape.layers).flatMap { ["blk.\($0).attn_norm.weight", "blk.\($0).ffn_norm.weight"] }
        for name in norms {
            let values = (0..<e).map { _ in 1 + random.nextGaussian() * 0.05 }
            try writer.addTensor(name: name, type: .f32, dims: [e], bytes: try Quantizer.quantize(values, as: .f32))
        }
        try writer.write(to: path)
    }
}

extension SamplerRNG {
    /// A standard normal sample (Box–Muller), for synthetic weights.
    mutating func nextGaussian() -> Float {
        let u1 = max(nextUnit(), 1e-300)
        let u2 = nextUnit()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
