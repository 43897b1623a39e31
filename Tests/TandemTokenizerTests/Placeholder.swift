import Testing

@Test func placeholder_TandemTokenizerTests() { #expect(Bool(true)) }
