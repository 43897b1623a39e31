import Testing

@Test func placeholder_TandemKernelsTests() { #expect(Bool(true)) }
