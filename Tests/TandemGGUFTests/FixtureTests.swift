import Foundation
import Testing

@testable import TandemGGUF

/// Files written by llama.cpp's own tools.
struct FixtureTests {
    @Test func quantizedLlamaModelParses() throws {
        let file = try GGUFFile(path: try fixturePath("llama-s-q4_0"))

        #expect(file.version == 3)
        #expect(file.alignment == 32)
        #expect(file.dataOffset == 12608)
        #expect(file.byteCount == 755_168)
        #expect(file.metadataKeys.count == 22)
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.string("general.name") == "random-llama-L2-E256")
        #expect(try file.int("llama.embedding_length") == 256)
        #expect(try file.int("llama.block_count") == 2)
        #expect(try file.int("llama.attention.head_count_kv") == 2)
        #expect(try file.double("llama.rope.freq_base") == 10000)
        #expect(try file.bool("tokenizer.ggml.add_bos_token") == false)
        #expect(try file.stringArray("tokenizer.ggml.tokens").count == 513)
        #expect(try file.stringArray("tokenizer.ggml.merges").first == "Ġ t")

        #expect(file.tensors.count == 20)
        let embeddings = try #require(file.tensorInfo(named: "token_embd.weight"))
        #expect(embeddings.dims == [256, 513])
        #expect(embeddings.type == .q4_0)
        #expect(embeddings.offset == 1024)
        #expect(embeddings.byteCount == 256 * 513 / 32 * 18)
        let norm = try #require(file.tensorInfo(named: "output_norm.weight"))
        #expect(norm.dims == [256])
        #expect(norm.type == .f32)
        #expect(file.tensorInfo(named: "blk.0.ffn_down.weight")?.dims == [512, 256])
        #expect(file.tensorInfo(named: "blk.1.attn_k.weight")?.dims == [256, 128])
        #expect(file.tensorInfo(named: "output.weight") == nil)

        // The last tensor ends exactly at the end of the file.
        let last = try #require(file.tensors.max { $0.offset < $1.offset })
        #expect(file.dataOffset + last.offset + last.byteCount == file.byteCount)
    }

    @Test func normWeightsReadAsFloats() throws {
        let file = try GGUFFile(path: try fixturePath("llama-s-q4_0"))
        let norm = try file.tensor(named: "output_norm.weight")
        let values = norm.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
        }
        #expect(values.count == 256)
        #expect(values.allSatisfy { $0.isFinite })
        #expect(values.contains { $0 != 0 })
    }

    @Test func vocabOnlyFileParses() throws {
        let file = try GGUFFile(path: try fixturePath("vocab-gpt2-512"))
        #expect(file.version == 3)
        #expect(file.tensors.isEmpty)
        #expect(
            file.metadataKeys == [
                "general.architecture", "general.name", "tokenizer.ggml.model", "tokenizer.ggml.pre",
                "tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges",
                "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_bos_token",
            ])
        #expect(try file.string("tokenizer.ggml.model") == "gpt2")
        let tokens = try file.stringArray("tokenizer.ggml.tokens")
        #expect(tokens.count == 513)
        #expect(Array(tokens.prefix(3)) == ["!", "\"", "#"])
        let types = try file.intArray("tokenizer.ggml.token_type")
        #expect(types.count == 513)
        #expect(file.value("tokenizer.ggml.token_type")?.typeName == "array<i32>")
        #expect(try file.stringArray("tokenizer.ggml.merges").count == 256)
        #expect(try file.int("tokenizer.ggml.eos_token_id") == 512)
    }

    @Test func inMemoryAndMappedParsesAgree() throws {
        let path = try fixturePath("llama-s-q4_0")
        let mapped = try GGUFFile(path: path)
        let copied = try GGUFFile(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(copied.path == nil)
        #expect(copied.metadata == mapped.metadata)
        #expect(copied.metadataKeys == mapped.metadataKeys)
        #expect(copied.tensors == mapped.tensors)
        #expect(copied.dataOffset == mapped.dataOffset)
        for name in ["token_embd.weight", "blk.1.ffn_up.weight"] {
            #expect(try copied.tensor(named: name).bytes == mapped.tensor(named: name).bytes)
        }
    }
}
