import Testing

@testable import TandemTokenizer

/// Random text in many scripts never crashes the tokenizer and always round-trips; random ids never
/// crash the decoder, and streaming decoding always agrees with one-shot decoding.
@Suite struct PropertyTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Pools of scalars: ASCII, whitespace, digits of several scripts, letters of several scripts,
    /// combining marks, emoji with ZWJ and variation selectors, CJK, rare planes, and controls.
    static let pools: [[UInt32]] = [
        Array(0x20...0x7E), [0x09, 0x0A, 0x0D, 0x20, 0x20, 0x20, 0xA0, 0x2009, 0x3000, 0x0B, 0x0C, 0x85, 0x2028],
        Array(0x30...0x39) + Array(0x660...0x669) + Array(0xFF10...0xFF19) + [0xB2, 0xBD, 0x2167],
        Array(0x410...0x44F), Array(0x3B1...0x3C9), Array(0x5D0...0x5EA), Array(0x627...0x64A),
        Array(0x900...0x97F), Array(0x1780...0x17DD), [0x301, 0x308, 0x323, 0x20DD, 0xFE0F, 0x200D],
        [0x1F600, 0x1F680, 0x1F999, 0x2705, 0x1F636, 0x1F32B, 0x1F1FA, 0x1F1F8, 0x1F3FD],
        Array(0x4E00...0x4E80), Array(0xAC00...0xAC40), Array(0x3040...0x309F),
        [0x0, 0x1, 0x1F, 0x7F, 0xAD, 0xFFFD, 0xFEFF, 0x10FFFD, 0xE000, 0x1D11E, 0x2019, 0x27],
    ]

    static func randomString(_ rng: inout SplitMix64) -> String {
        let length = Int.random(in: 0...40, using: &rng)
        var scalars = String.UnicodeScalarView()
        var pool = pools[0]
        for _ in 0..<length {
            if Int.random(in: 0..<4, using: &rng) == 0 { pool = pools.randomElement(using: &rng) ?? pools[0] }
            let run = Int.random(in: 1...3, using: &rng)
            for _ in 0..<run {
                if let v = pool.randomElement(using: &rng), let s = Unicode.Scalar(v) { scalars.append(s) }
            }
        }
        return String(scalars)
    }

    /// Whether every byte of `text` has a token (always true for SentencePiece with byte fallback).
    static func representable(_ text: String, by t: Tokenizer) -> Bool {
        guard case .byteLevel(let bpe) = t.core.encoder else { return true }
        return text.utf8.allSatisfy { bpe.byteTokens[Int($0)] >= 0 }
    }

    @Test func mostVocabulariesCoverEveryByte() throws {
        let all = String(decoding: [UInt8](0...0x7F), as: UTF8.self) + "é中🦙"
        for vocab in ["gpt-2", "llama-bpe", "qwen2", "starcoder", "deepseek-llm", "refact"] {
            #expect(Self.representable(all, by: try Fixtures.tokenizer(vocab)), "\(vocab)")
        }
        #expect(!Self.representable("\u{0B}", by: try Fixtures.tokenizer("falcon")))
    }

    @Test(arguments: OracleTests.vocabularies)
    func randomTextRoundTrips(vocab: String) throws {
        let t = try Fixtures.tokenizer(vocab)
        var rng = SplitMix64(state: 0xC0FFEE ^ UInt64(vocab.utf8.count))
        for _ in 0..<300 {
            let text = Self.randomString(&rng)
            for parseSpecial in [false, true] {
                let ids = t.encode(text, addBOS: false, parseSpecial: parseSpecial)
                #expect(ids.allSatisfy { $0 >= 0 && $0 < t.vocabularySize })
                let back = try t.decode(ids)
                // Falcon's vocabulary lacks some byte tokens (0x0B, 0xF5…); such text cannot round-trip.
                guard Self.representable(text, by: t) else { continue }
                #expect(
                    Array(back.utf8) == Array(text.utf8),
                    "\(vocab): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            }
        }
    }

    @Test(arguments: ["gpt-2", "qwen2", "llama-spm"])
    func randomIdsDecodeSafelyAndStreamConsistently(vocab: String) throws {
        let t = try Fixtures.tokenizer(vocab)
        var rng = SplitMix64(state: 42)
        for _ in 0..<300 {
            let count = Int.random(in: 0...12, using: &rng)
            // Bias towards low ids: byte tokens and single bytes (lone continuation bytes included).
            let ids = (0..<count).map { _ in
                Bool.random(using: &rng)
                    ? Int.random(in: 0..<300, using: &rng) : Int.random(in: 0..<t.vocabularySize, using: &rng)
            }
            let whole = try t.decode(ids)
            var stream = t.makeStreamingDecoder()
            var streamed = ""
            for id in ids { streamed += try stream.feed(id) }
            streamed += stream.flush()
            #expect(Array(streamed.utf8) == Array(whole.utf8))
        }
    }
}
