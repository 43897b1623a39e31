import Testing

@Test func placeholder_TandemModelTests() { #expect(Bool(true)) }
