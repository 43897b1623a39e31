import Foundation
import Testing

@testable import TandemTokenizer

/// Random multi-script strings with the ids Hugging Face `tokenizers` gives for the same vocabulary
/// and pre-tokenizer pipeline (tools/tokenizer/make_differential_fixtures.py, whose builders reproduce
/// the llama.cpp oracle exactly). Every string must match and round-trip.
@Suite struct DifferentialTests {
    static let vocabularies = ["gpt-2", "llama-bpe", "qwen2", "starcoder", "deepseek-llm", "llama-spm", "phi-3"]

    struct Sample: Decodable {
        var text: String
        var ids: [Int]
    }

    static func samples(_ vocab: String) throws -> [Sample] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("differential-\(vocab).jsonl")))
        let decoder = JSONDecoder()
        return try data.split(separator: 0x0A).map { try decoder.decode(Sample.self, from: Data($0)) }
    }

    @Test(arguments: vocabularies)
    func matchesHuggingFaceOnRandomText(vocab: String) throws {
        let t = try Fixtures.tokenizer(vocab)
        let samples = try Self.samples(vocab)
        #expect(samples.count == 200)
        var mismatches = 0
        for s in samples {
            let ids = t.encode(s.text, addBOS: false)
            if ids != s.ids {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("\(vocab) \(s.text.debugDescription): got \(ids), expected \(s.ids)")
                }
            }
            #expect(Array(try t.decode(ids).utf8) == Array(s.text.utf8))
        }
        #expect(mismatches == 0)
    }
}
