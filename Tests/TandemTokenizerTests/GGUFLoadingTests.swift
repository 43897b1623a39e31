import TandemGGUF
import Testing

@testable import TandemTokenizer

/// Reading the tokenizer from GGUF metadata written in memory: keys, errors, and that the fingerprint
/// depends on the tokenizer only (not on the rest of the file).
@Suite struct GGUFLoadingTests {
    static func file(_ edit: (inout GGUFWriter) -> Void = { _ in }) throws -> GGUFFile {
        let v = CoreTests.tinyVocabulary()
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("tokenizer.ggml.model", .string("gpt2"))
        w.set("tokenizer.ggml.pre", .string("smollm"))
        w.set("tokenizer.ggml.tokens", .array(v.tokens.map(GGUFValue.string)))
        w.set("tokenizer.ggml.token_type", .array(v.types.map { .int32(Int32($0.rawValue)) }))
        w.set("tokenizer.ggml.merges", .array(v.merges.map(GGUFValue.string)))
        w.set("tokenizer.ggml.bos_token_id", .uint32(265))
        w.set("tokenizer.ggml.eos_token_id", .uint32(267))
        w.set("tokenizer.ggml.add_bos_token", .bool(false))
        w.set("tokenizer.chat_template", .string("{{ '<|im_start|>' + message['role'] }}"))
        edit(&w)
        return try GGUFFile(bytes: w.serialize())
    }

    @Test func readsEveryKey() throws {
        let t = try Tokenizer(gguf: Self.file())
        #expect(t.model == "gpt2" && t.pre == "smollm")
        #expect(t.vocabularySize == 269 && t.vocabulary.merges.count == 9)
        #expect(t.bosID == 265 && t.eosID == 267 && t.addBOS == false)
        #expect(t.tokenType(266) == .control && t.tokenType(268) == .userDefined)
        #expect(try t.chatTemplate().format == .chatml)
        #expect(t.encode("hello 42") == t.encode("hello 42", addBOS: false))
        #expect(try t.encode("hello 42").map { try t.piece($0) } == ["hello", " ", "4", "2"])
    }

    @Test func fingerprintIgnoresNonTokenizerMetadata() throws {
        let a = try Tokenizer(gguf: Self.file()).fingerprint
        let b = try Tokenizer(
            gguf: Self.file { w in
                w.set("general.architecture", .string("qwen2"))
                w.set("general.name", .string("another model"))
                w.set("tokenizer.chat_template", .string("{{ different }}"))
            }
        ).fingerprint
        #expect(a == b)
        let c = try Tokenizer(gguf: Self.file { $0.set("tokenizer.ggml.eos_token_id", .uint32(265)) }).fingerprint
        #expect(a != c)
    }

    @Test func missingOrWrongKeysAreClearErrors() throws {
        var noModel = GGUFWriter()
        noModel.set("tokenizer.ggml.tokens", .array([.string("a")]))
        #expect(throws: TokenizerError.missingKey("tokenizer.ggml.model")) {
            try Tokenizer(gguf: GGUFFile(bytes: noModel.serialize()))
        }
        #expect(throws: TokenizerError.unknownPreTokenizer("mystery")) {
            try Tokenizer(gguf: Self.file { $0.set("tokenizer.ggml.pre", .string("mystery")) })
        }
        do {
            _ = try Tokenizer(gguf: Self.file { $0.set("tokenizer.ggml.tokens", .string("not an array")) })
            Issue.record("expected an error")
        } catch let error as TokenizerError {
            #expect(error.description.contains("tokenizer.ggml.tokens"))
        }
        #expect(throws: TokenizerError.self) {
            try Tokenizer(gguf: Self.file { $0.set("tokenizer.ggml.merges", .array([.string("nospace")])) })
        }
    }
}
