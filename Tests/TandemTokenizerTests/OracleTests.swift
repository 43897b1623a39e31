import Testing

@testable import TandemTokenizer

/// llama.cpp's tokenizer test vectors (expected ids from each model's own Hugging Face tokenizer):
/// every case of every vocabulary this module claims must match exactly and round-trip.
@Suite struct OracleTests {
    static let vocabularies = [
        "gpt-2", "llama-bpe", "qwen2", "starcoder", "deepseek-llm", "llama-spm",
        "falcon", "refact", "phi-3",
    ]

    @Test(arguments: vocabularies)
    func encodesEveryCaseExactly(vocab: String) throws {
        let tokenizer = try Fixtures.tokenizer(vocab)
        let cases = try Fixtures.cases(vocab)
        #expect(cases.count == 46)
        var failures = 0
        for c in cases {
            let ids = tokenizer.encode(c.text, addBOS: false)
            if ids != c.expected {
                failures += 1
                Issue.record("\(vocab) case \(c.index) \(c.text.debugDescription): got \(ids), expected \(c.expected)")
            }
        }
        #expect(failures == 0)
    }

    @Test(arguments: vocabularies)
    func roundTripsEveryCase(vocab: String) throws {
        let tokenizer = try Fixtures.tokenizer(vocab)
        for c in try Fixtures.cases(vocab) {
            let decoded = try tokenizer.decode(tokenizer.encode(c.text, addBOS: false))
            #expect(
                Array(decoded.utf8) == Array(c.text.utf8),
                "\(vocab) case \(c.index) \(c.text.debugDescription) → \(decoded.debugDescription)")
            let decodedExpected = try tokenizer.decode(c.expected)
            #expect(Array(decodedExpected.utf8) == Array(c.text.utf8))
        }
    }
}
