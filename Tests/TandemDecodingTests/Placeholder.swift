import Testing

@Test func placeholder_decoding() { #expect(Bool(true)) }
