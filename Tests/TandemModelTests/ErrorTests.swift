import Foundation
import TandemGGUF
import Testing

@testable import TandemModel

@Suite("model errors")
struct ErrorTests {
    static func load(_ edit: (inout GGUFRewrite) -> Void, from name: String = "llama-s-f32.gguf") throws -> Model {
        var rewrite = GGUFRewrite()
        edit(&rewrite)
        return try Model(file: rewrite.apply(to: Fixtures.file(name)), threads: 1)
    }

    @Test func tokenOutOfRangeChangesNothing() throws {
        let model = try Fixtures.model("llama-s-q8_0.gguf")
        let session = model.makeSession()
        let before = try session.append([1, 2, 3], logits: .last).logits
        #expect(throws: ModelError.tokenOutOfRange(token: 513, vocabularySize: 513)) {
            try session.append([4, 513], logits: .last)
        }
        #expect(throws: ModelError.tokenOutOfRange(token: -1, vocabularySize: 513)) {
            try session.append([-1])
        }
        #expect(session.count == 3)
        #expect(session.tokens == [1, 2, 3])
        // The session still works and is unaffected.
        try session.truncate(to: 2)
        #expect(mismatch(try session.append([3], logits: .last).logits, before) == nil)
    }

    @Test func contextOverflow() throws {
        let model = try Self.load { $0.metadata["llama.context_length"] = .uint32(8) }
        #expect(model.config.contextLength == 8)
        let session = model.makeSession()
        #expect(throws: ModelError.contextOverflow(requested: 9, contextLength: 8)) {
            try session.append(Array(0..<9))
        }
        #expect(session.count == 0)
        try session.append(Array(0..<6), logits: .none)
        #expect(throws: ModelError.contextOverflow(requested: 9, contextLength: 8)) {
            try session.append([1, 2, 3])
        }
        try session.append([1, 2], logits: .none)
        #expect(session.count == 8)
        #expect(session.capacity == 8)
    }

    @Test func truncateBeyondCount() throws {
        let session = try Fixtures.model("llama-s-q4_0.gguf").makeSession()
        try session.append([5, 6, 7], logits: .none)
        #expect(throws: ModelError.invalidTruncation(requested: 4, count: 3)) { try session.truncate(to: 4) }
        #expect(throws: ModelError.invalidTruncation(requested: -1, count: 3)) { try session.truncate(to: -1) }
        #expect(session.count == 3)
        try session.truncate(to: 3)
        try session.truncate(to: 0)
        #expect(session.count == 0)
    }

    @Test func invalidEarlyExitLayer() throws {
        let session = try Fixtures.model("llama-s-f32.gguf").makeSession()
        #expect(throws: ModelError.invalidEarlyExitLayer(0, layerCount: 2)) {
            try session.append([1], earlyExitLayer: 0)
        }
        #expect(throws: ModelError.invalidEarlyExitLayer(3, layerCount: 2)) {
            try session.append([1], earlyExitLayer: 3)
        }
        #expect(session.count == 0)
    }

    @Test func missingTensor() throws {
        #expect(throws: ModelError.missingTensor(name: "blk.1.ffn_up.weight")) {
            try Self.load { $0.dropTensors = ["blk.1.ffn_up.weight"] }
        }
        #expect(throws: ModelError.missingTensor(name: "token_embd.weight")) {
            try Self.load { $0.dropTensors = ["token_embd.weight"] }
        }
        #expect(throws: ModelError.missingTensor(name: "blk.0.attn_k.bias")) {
            try Self.load({ $0.dropTensors = ["blk.0.attn_k.bias"] }, from: "qwen2-s-f32.gguf")
        }
        #expect(throws: ModelError.missingTensor(name: "early_exit.output_norm.weight")) {
            try Self.load { $0.metadata["tandem.early_exit.layer"] = .uint32(1) }
        }
    }

    @Test func missingMetadata() throws {
        #expect(throws: ModelError.missingMetadata(key: "llama.embedding_length")) {
            try Self.load { $0.metadata["llama.embedding_length"] = .some(nil) }
        }
        #expect(throws: ModelError.missingMetadata(key: "llama.attention.layer_norm_rms_epsilon")) {
            try Self.load { $0.metadata["llama.attention.layer_norm_rms_epsilon"] = .some(nil) }
        }
        #expect(throws: ModelError.missingArchitecture) {
            try Self.load { $0.metadata["general.architecture"] = .some(nil) }
        }
        // Defaults: rope base 10000 and rope dims = head dim when absent.
        let model = try Self.load {
            $0.metadata["llama.rope.freq_base"] = .some(nil)
            $0.metadata["llama.rope.dimension_count"] = .some(nil)
        }
        #expect(model.config.ropeBase == 10000)
        #expect(model.config.ropeDims == 64)
    }

    @Test func unknownArchitecture() throws {
        #expect(throws: ModelError.unsupportedArchitecture("gpt9")) {
            try Self.load { $0.metadata["general.architecture"] = .string("gpt9") }
        }
    }

    @Test func inconsistentHyperparameters() throws {
        // 3 heads do not divide 256.
        #expect(throws: ModelError.self) {
            try Self.load { $0.metadata["llama.attention.head_count"] = .uint32(3) }
        }
        do {
            _ = try Self.load { $0.metadata["llama.attention.head_count"] = .uint32(3) }
        } catch let error as ModelError {
            #expect(error.description.contains("llama.attention.head_count"))
        }
        // 3 KV heads do not divide 4 heads.
        #expect(
            throws: ModelError.invalidHyperparameter(
                key: "llama.attention.head_count_kv", reason: "3 KV heads do not divide 4 heads")
        ) {
            try Self.load { $0.metadata["llama.attention.head_count_kv"] = .uint32(3) }
        }
        // Zero layers.
        #expect(throws: ModelError.invalidHyperparameter(key: "llama.block_count", reason: "must be positive, got 0")) {
            try Self.load { $0.metadata["llama.block_count"] = .uint32(0) }
        }
        // vocab_size disagreeing with the embedding table.
        #expect(throws: ModelError.self) {
            try Self.load { $0.metadata["llama.vocab_size"] = .uint32(600) }
        }
        // Feed-forward length disagreeing with the tensors.
        #expect(
            throws: ModelError.tensorShapeMismatch(
                name: "blk.0.ffn_gate.weight", expected: [256, 1024], found: [256, 512])
        ) {
            try Self.load { $0.metadata["llama.feed_forward_length"] = .uint32(1024) }
        }
    }

    @Test func tensorShapeMismatch() throws {
        // Same byte count, transposed dims.
        #expect(
            throws: ModelError.tensorShapeMismatch(
                name: "blk.0.ffn_down.weight", expected: [512, 256], found: [256, 512])
        ) {
            try Self.load { $0.retypeDims["blk.0.ffn_down.weight"] = [256, 512] }
        }
    }

    @Test func unsupportedTensorType() throws {
        // Replace a matrix with an I32 tensor of the right shape.
        let info = try Fixtures.file("llama-s-f32.gguf").tensorInfo(named: "blk.0.attn_q.weight")!
        #expect(throws: ModelError.unsupportedTensorType(name: "blk.0.attn_q.weight", type: "I32")) {
            try Self.load {
                $0.dropTensors = ["blk.0.attn_q.weight"]
                $0.extraTensors.append(
                    ("blk.0.attn_q.weight", .i32, info.dims, [UInt8](repeating: 0, count: info.byteCount)))
            }
        }
    }

    @Test func messagesNameTheProblem() {
        #expect(ModelError.missingTensor(name: "blk.3.attn_q.weight").description.contains("blk.3.attn_q.weight"))
        #expect(ModelError.unsupportedArchitecture("mamba").description.contains("mamba"))
        #expect(ModelError.missingMetadata(key: "llama.block_count").description.contains("llama.block_count"))
    }
}
