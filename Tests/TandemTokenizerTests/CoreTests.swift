import Testing

@testable import TandemTokenizer

/// The BPE core over small hand-built vocabularies.
@Suite struct CoreTests {
    /// A byte-level vocabulary: all 256 byte tokens, a few merges, and specials.
    static func tinyVocabulary(pre: String = "gpt-2") -> TokenizerVocabulary {
        var tokens = ByteLevelMapping.byteToScalar.map { String(Character($0)) }
        var types = [TokenType](repeating: .normal, count: 256)
        let merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d"]
        for m in merges {
            let parts = m.split(separator: " ")
            tokens.append(parts.joined())
            types.append(.normal)
        }
        tokens += ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "[ADDED]"]
        types += [.control, .control, .control, .userDefined]
        return TokenizerVocabulary(
            model: "gpt2", pre: pre, tokens: tokens, types: types, merges: merges,
            bosID: 265, eosID: 265)
    }

    @Test func byteMappingIsABijection() {
        let scalars = ByteLevelMapping.byteToScalar
        #expect(Set(scalars).count == 256)
        #expect(scalars[0x20] == "Ġ" && scalars[0x0A] == "Ċ" && scalars[0x41] == "A")
        for b in 0..<256 { #expect(ByteLevelMapping.byte(for: scalars[b]) == UInt8(b)) }
        #expect(ByteLevelMapping.decode(ByteLevelMapping.encode(Array("héllo\n".utf8))) == Array("héllo\n".utf8))
    }

    @Test func mergesByRank() throws {
        let t = try Tokenizer(vocabulary: Self.tinyVocabulary())
        let ids = t.encode("hello world")
        #expect(try ids.map { try t.piece($0) } == ["hello", " world"])
        #expect(try t.decode(ids) == "hello world")
        #expect(t.encode("hello world", addBOS: true).first == 265)
    }

    @Test func mergerIsLeftmostOnTies() {
        // "a a" merge applied to "aaa": the leftmost pair merges first → [aa, a].
        let merger = BPEMerger(ranks: [BPEMerger.key(0, 0): 0 << 32 | 1])
        var out: [Int] = []
        merger.merge([0, 0, 0], into: &out)
        #expect(out == [1, 0])
        out = []
        merger.merge([0, 0, 0, 0], into: &out)
        #expect(out == [1, 1])
    }

    @Test func specialTokensOnlyWhenAsked() throws {
        let t = try Tokenizer(vocabulary: Self.tinyVocabulary())
        let end = 265
        let start = 266
        let imEnd = 267
        let added = 268
        let plain = t.encode("<|im_start|>hello<|im_end|>")
        #expect(!plain.contains(start) && !plain.contains(imEnd))
        let parsed = t.encode("<|im_start|>hello<|im_end|>", parseSpecial: true)
        #expect(parsed.first == start && parsed.last == imEnd)
        // User-defined tokens are always matched.
        #expect(t.encode("x[ADDED]y").contains(added))
        #expect(t.isEndOfGeneration(end) && t.isEndOfGeneration(imEnd) && !t.isEndOfGeneration(start))
        #expect(t.eotID == imEnd)
        #expect(try t.decode(parsed) == "<|im_start|>hello<|im_end|>")
        #expect(try t.decode(parsed, skipSpecial: true) == "hello")
    }

    @Test func outOfRangeIdsAreErrors() throws {
        let t = try Tokenizer(vocabulary: Self.tinyVocabulary())
        #expect(throws: TokenizerError.tokenOutOfRange(id: 9999, vocabularySize: t.vocabularySize)) {
            try t.decode([9999])
        }
        #expect(throws: TokenizerError.self) { try t.piece(-1) }
        var stream = t.makeStreamingDecoder()
        #expect(throws: TokenizerError.self) { try stream.feed(-5) }
    }

    @Test func unknownModelAndPreAreErrors() {
        var v = Self.tinyVocabulary()
        v.model = "wordpiece"
        #expect(throws: TokenizerError.unsupportedModel("wordpiece")) { try Tokenizer(vocabulary: v) }
        #expect(throws: TokenizerError.unknownPreTokenizer("nope")) {
            try Tokenizer(vocabulary: Self.tinyVocabulary(pre: "nope"))
        }
        var bad = Self.tinyVocabulary()
        bad.bosID = 100_000
        #expect(throws: TokenizerError.self) { try Tokenizer(vocabulary: bad) }
    }

    @Test func fingerprintCoversTokensMergesTypesAndSpecials() throws {
        let base = try Tokenizer(vocabulary: Self.tinyVocabulary()).fingerprint
        #expect(base.count == 64 && base.allSatisfy(\.isHexDigit))
        #expect(try Tokenizer(vocabulary: Self.tinyVocabulary()).fingerprint == base)
        var v = Self.tinyVocabulary()
        v.tokens[300 - 40] = "changed"
        #expect(try Tokenizer(vocabulary: v).fingerprint != base)
        v = Self.tinyVocabulary()
        v.merges.swapAt(0, 1)
        #expect(try Tokenizer(vocabulary: v).fingerprint != base)
        v = Self.tinyVocabulary()
        v.types[266] = .userDefined
        #expect(try Tokenizer(vocabulary: v).fingerprint != base)
        v = Self.tinyVocabulary()
        v.eosID = 267
        #expect(try Tokenizer(vocabulary: v).fingerprint != base)
        #expect(try Tokenizer(vocabulary: Self.tinyVocabulary(pre: "qwen2")).fingerprint != base)
    }

    @Test func realFingerprintsDifferAndAreStable() throws {
        let a = try Fixtures.tokenizer("qwen2").fingerprint
        let b = try Fixtures.tokenizer("llama-bpe").fingerprint
        #expect(a != b)
        #expect(try Fixtures.tokenizer("starcoder").fingerprint != Fixtures.tokenizer("refact").fingerprint)
    }

    @Test func bosDefaultsFollowLlamaCpp() throws {
        #expect(try Fixtures.tokenizer("llama-bpe").addBOS == true)  // llama-bpe implies add_bos
        #expect(try Fixtures.tokenizer("qwen2").addBOS == false)
        #expect(try Fixtures.tokenizer("llama-spm").addBOS == true)
        let llama3 = try Fixtures.tokenizer("llama-bpe")
        #expect(llama3.encode("Hello").first == 128000)
        #expect(llama3.encode("Hello", addBOS: false).first != 128000)
        #expect(llama3.encode("<|begin_of_text|>Hi", addBOS: false, parseSpecial: true).first == 128000)
    }

    @Test func endOfGenerationOfRealVocabularies() throws {
        let qwen = try Fixtures.tokenizer("qwen2")
        #expect(qwen.isEndOfGeneration(151645) && qwen.isEndOfGeneration(151643) && !qwen.isEndOfGeneration(151644))
        #expect(qwen.eotID == 151645)
        let llama3 = try Fixtures.tokenizer("llama-bpe")
        #expect(llama3.isEndOfGeneration(128001) && !llama3.isEndOfGeneration(128000))
    }

    @Test func sentencePieceByteFallbackAndSpaces() throws {
        let t = try Fixtures.tokenizer("llama-spm")
        let ids = t.encode("Hello 🦙", addBOS: false)
        #expect(try t.decode(ids) == "Hello 🦙")
        #expect(ids.map { t.tokenType($0) }.contains(.byte))
        #expect(t.encode("Hi").first == 1)
        #expect(try t.decode(t.encode("Hi")) == "<s> Hi")  // as llama.cpp and HF write it
        #expect(try t.decode(t.encode("Hi"), skipSpecial: true) == "Hi")
    }
}

@Suite struct SentencePieceSegmentationTests {
    /// A SentencePiece vocabulary where "a▁b" is a token: words are then not independent, and the
    /// whole text must merge as one (as llama.cpp does).
    @Test func cutsOnlyWhenNoTokenSpansAWordStart() throws {
        var tokens =
            ["<unk>", "<s>", "</s>"]
            + (0..<256).map { b in
                let hex = String(b, radix: 16, uppercase: true)
                return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
            }
        var types: [TokenType] = [.unknown, .control, .control] + Array(repeating: .byte, count: 256)
        let pieces = ["▁", "a", "b", "▁a", "▁b", "a▁", "a▁b"]
        tokens += pieces
        types += Array(repeating: .normal, count: pieces.count)
        let scores: [Float] = Array(repeating: 0, count: 259) + [-1, -1, -1, -2, -2, -3, 5]
        let v = TokenizerVocabulary(
            model: "llama", tokens: tokens, types: types, scores: scores,
            bosID: 1, eosID: 2, unknownID: 0)
        let t = try Tokenizer(vocabulary: v)
        guard case .sentencePiece(let spm) = t.core.encoder else {
            Issue.record("not SentencePiece")
            return
        }
        #expect(!spm.wordsAreIndependent)
        // "xa b" → "▁xa▁b": "▁b" merges first, then "a" + "▁b" → "a▁b", across the word start;
        // cutting before "▁b" would have made that impossible.
        let ids = t.encode("xa b", addBOS: false).map { tokens[$0] }
        #expect(ids.contains("a▁b"))
        #expect(try t.decode(t.encode("xa b", addBOS: false)) == "xa b")
        let llama = try Fixtures.tokenizer("llama-spm")
        guard case .sentencePiece(let real) = llama.core.encoder else {
            Issue.record("not SentencePiece")
            return
        }
        #expect(real.wordsAreIndependent)
    }
}
