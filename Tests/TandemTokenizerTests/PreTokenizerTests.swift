import Testing

@testable import TandemTokenizer

/// Pre-tokenizer scanners against the splits their regexes give (worked out by hand from the patterns).
@Suite struct PreTokenizerTests {
    func pieces(_ kind: PreTokenizerKind, _ text: String) -> [String] {
        let scalars = text.unicodeScalars.map(\.value)
        return kind.split(scalars).map { r in
            String(String.UnicodeScalarView(scalars[r].compactMap(Unicode.Scalar.init)))
        }
    }

    @Test func gpt2() {
        #expect(pieces(.gpt2, "Hello world") == ["Hello", " world"])
        #expect(pieces(.gpt2, "I've 12 apples!!  ok") == ["I", "'ve", " 12", " apples", "!!", " ", " ok"])
        #expect(pieces(.gpt2, "a   \n") == ["a", "   \n"])
        #expect(pieces(.gpt2, "\nb") == ["\n", "b"])
        #expect(pieces(.gpt2, "I'VE") == ["I", "'", "VE"])  // contractions are case-sensitive here
    }

    @Test func llama3DigitsAndContractions() {
        #expect(pieces(.llama3, "1234567") == ["123", "456", "7"])
        #expect(pieces(.llama3, "I'VE it's") == ["I", "'VE", " it", "'s"])
        #expect(pieces(.llama3, "(normal) x") == ["(normal", ")", " x"])
        #expect(pieces(.llama3, "a \n\n b") == ["a", " \n\n", " b"])
        #expect(pieces(.llama3, "x  \t") == ["x", "  \t"])
        #expect(pieces(.llama3, "!!\n\nx") == ["!!\n\n", "x"])
    }

    @Test func qwen2SingleDigits() {
        #expect(pieces(.qwen2, "year 2024") == ["year", " ", "2", "0", "2", "4"])
    }

    @Test func smollmSplitsEveryDigitThenGPT2() throws {
        let kind = try PreTokenizerKind.named("smollm")
        #expect(kind == .starcoder)
        #expect(pieces(kind, "abc 123x") == ["abc", " ", "1", "2", "3", "x"])
        #expect(pieces(kind, "v2.0") == ["v", "2", ".", "0"])
        #expect(pieces(kind, "٣٤") == ["٣", "٤"])  // Arabic-Indic digits are \p{N} too
    }

    @Test func deepseekLLM() {
        #expect(pieces(.deepseekLLM, "Hello world\n") == ["Hello", " world", "\n"])
        #expect(pieces(.deepseekLLM, "a 12") == ["a", " ", "1", "2"])
        #expect(pieces(.deepseekLLM, "我想apple") == ["我想", "apple"])
        #expect(pieces(.deepseekLLM, "x   ") == ["x", "   "])
        #expect(pieces(.deepseekLLM, "你  好  ") == ["你", "  ", "好", "  "])
    }

    @Test func unknownPreIsAnErrorNamingIt() {
        #expect(throws: TokenizerError.unknownPreTokenizer("bogus-pre")) { try PreTokenizerKind.named("bogus-pre") }
        let message = TokenizerError.unknownPreTokenizer("bogus-pre").description
        #expect(message.contains("bogus-pre") && message.contains("qwen2"))
    }

    @Test(arguments: PreTokenizerKind.allCases)
    func piecesCoverTextWithoutGaps(kind: PreTokenizerKind) {
        let text = "Hi  there!\n\n  42 'RE   ok\t\t🦙 нещо 我想 ١٢٣ x\u{301} \u{A0}\u{3000}end  "
        let scalars = text.unicodeScalars.map(\.value)
        let ranges = kind.split(scalars)
        var expectedStart = 0
        for r in ranges {
            #expect(r.lowerBound == expectedStart && !r.isEmpty)
            expectedStart = r.upperBound
        }
        #expect(expectedStart == scalars.count)
    }
}

@Suite struct CharClassTests {
    @Test func asciiFastPathAgreesWithUnicodeProperties() {
        for v in UInt32(0)..<128 {
            #expect(CharClass.ascii(v) == CharClass.classify(v), "U+\(String(v, radix: 16))")
        }
    }
}
