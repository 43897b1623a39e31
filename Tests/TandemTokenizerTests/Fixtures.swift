import Foundation
import Synchronization
import TandemGGUF

@testable import TandemTokenizer

/// Access to the oracle files copied from llama.cpp's test vectors (see Fixtures/README.md).
enum Fixtures {
    static let directory: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            preconditionFailure("test resources missing: Fixtures")
        }
        return url
    }()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Tokenizers are large; load each once per test process.
    private static let loaded = Mutex<[String: Tokenizer]>([:])

    static func tokenizer(_ vocab: String) throws -> Tokenizer {
        try loaded.withLock { cache in
            if let t = cache[vocab] { return t }
            let t = try Tokenizer(gguf: GGUFFile(path: path("ggml-vocab-\(vocab).gguf")))
            cache[vocab] = t
            return t
        }
    }

    struct Case: Sendable {
        var index: Int
        var text: String
        var expected: [Int]
    }

    /// The `.inp`/`.out` pairs: strings separated by "\n__ggml_vocab_test__\n", one line of ids each.
    static func cases(_ vocab: String) throws -> [Case] {
        let inp = try Data(contentsOf: URL(fileURLWithPath: path("ggml-vocab-\(vocab).gguf.inp")))
        let out = try String(contentsOfFile: path("ggml-vocab-\(vocab).gguf.out"), encoding: .utf8)
        let separator = Array("\n__ggml_vocab_test__\n".utf8)
        var texts: [String] = []
        let bytes = [UInt8](inp)
        var start = 0
        var i = 0
        while i + separator.count <= bytes.count {
            if Array(bytes[i..<(i + separator.count)]) == separator {
                texts.append(String(decoding: bytes[start..<i], as: UTF8.self))
                i += separator.count
                start = i
            } else {
                i += 1
            }
        }
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cases: [Case] = []
        for (k, text) in texts.enumerated() {
            let ids = lines[k].split(separator: " ").compactMap { Int($0) }
            cases.append(Case(index: k, text: text, expected: ids))
        }
        return cases
    }
}
