import Testing

@Test func placeholder_TandemGGUFTests() { #expect(Bool(true)) }
