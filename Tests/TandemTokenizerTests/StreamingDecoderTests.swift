import Testing

@testable import TandemTokenizer

@Suite struct StreamingDecoderTests {
    @Test func holdsBackAndCompletesASplitCharacter() throws {
        let t = try Fixtures.tokenizer("gpt-2")
        // "🦙" is 4 bytes; GPT-2 has no token for it, so it comes out as several byte tokens.
        let ids = t.encode("a🦙b")
        #expect(ids.count >= 3)
        var stream = t.makeStreamingDecoder()
        var outputs: [String] = []
        for id in ids { outputs.append(try stream.feed(id)) }
        outputs.append(stream.flush())
        #expect(outputs.joined() == "a🦙b")
        #expect(!outputs.joined().contains("\u{FFFD}"))
        #expect(outputs.contains(""))  // something was held back at least once
        #expect(outputs.first(where: { $0.contains("🦙") }) != nil)
    }

    @Test func invalidBytesBecomeReplacementCharacters() throws {
        let t = try Fixtures.tokenizer("llama-spm")
        // <0x80> is a lone continuation byte; <0xE2> <0x82> is a truncated sequence.
        let lone = 3 + 0x80
        let e2 = 3 + 0xE2
        let x82 = 3 + 0x82
        #expect(try t.decode([lone]) == "\u{FFFD}")
        var stream = t.makeStreamingDecoder()
        #expect(try stream.feed(lone) == "\u{FFFD}")
        #expect(try stream.feed(e2) == "")
        #expect(try stream.feed(x82) == "")
        #expect(stream.pendingByteCount == 2)
        #expect(stream.flush() == "\u{FFFD}")
        #expect(try t.decode([e2, x82, 3 + 0x41]) == "\u{FFFD}A")
    }

    @Test func completePrefixLength() {
        #expect(StreamingDecoder.completePrefixLength([0x41]) == 1)
        #expect(StreamingDecoder.completePrefixLength([0x41, 0xF0, 0x9F]) == 1)
        #expect(StreamingDecoder.completePrefixLength([0xF0, 0x9F, 0xA6, 0x99]) == 4)
        #expect(StreamingDecoder.completePrefixLength([0xE0, 0x80]) == 2)  // E0 80 can never be valid
        #expect(StreamingDecoder.completePrefixLength([0x80, 0x80]) == 2)
        #expect(StreamingDecoder.completePrefixLength([0xC3]) == 0)
        #expect(StreamingDecoder.completePrefixLength([]) == 0)
    }
}
