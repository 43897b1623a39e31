import Testing

@testable import TandemTokenizer

/// Hostile and concurrent use: long runs, many threads, empty input.
@Suite struct RobustnessTests {
    @Test(arguments: ["gpt-2", "llama-bpe", "qwen2", "deepseek-llm", "falcon", "llama-spm"])
    func longRunsFinishAndRoundTrip(vocab: String) throws {
        let t = try Fixtures.tokenizer(vocab)
        let texts = [
            String(repeating: "a", count: 20_000), String(repeating: " ", count: 5_000) + "x",
            String(repeating: "9", count: 3_001), String(repeating: "🦙", count: 2_000),
            String(repeating: "\n\t", count: 2_000), String(repeating: "ab'", count: 3_000),
        ]
        for text in texts {
            let ids = t.encode(text, addBOS: false)
            #expect(!ids.isEmpty)
            #expect(Array(try t.decode(ids).utf8) == Array(text.utf8))
        }
        #expect(t.encode("", addBOS: false).isEmpty)
        #expect(try t.decode([]) == "")
    }

    @Test func concurrentEncodingAgreesWithSerial() async throws {
        let t = try Fixtures.tokenizer("qwen2")
        let texts = (0..<64).map {
            "Document \($0): hello world, 12345 нещо 我想 🦙 " + String(repeating: "word\($0 % 7) ", count: 40)
        }
        let serial = texts.map { t.encode($0) }
        let parallel = await withTaskGroup(of: (Int, [Int]).self) { group in
            for (i, text) in texts.enumerated() { group.addTask { (i, t.encode(text)) } }
            var results = [[Int]](repeating: [], count: texts.count)
            for await (i, ids) in group { results[i] = ids }
            return results
        }
        #expect(parallel == serial)
    }

    @Test func cacheDoesNotChangeResults() throws {
        let t = try Fixtures.tokenizer("gpt-2")
        let text = "repeated repeated repeated words words"
        let first = t.encode(text)
        #expect(t.encode(text) == first)
        let cache = PreTokenCache(capacity: 2)
        cache.put(ByteKey([1]), [1])
        cache.put(ByteKey([2]), [2])
        cache.put(ByteKey([3]), [3])
        #expect(cache.get(ByteKey([3])) == [3])
        #expect(cache.get(ByteKey([1])) == nil)  // emptied when full
    }
}
