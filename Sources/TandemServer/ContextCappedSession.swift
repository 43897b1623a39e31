import TandemDecoding

/// A session that reports a smaller context than its model's: how the server's context limit reaches
/// the verifier, which checks prompts and windows against `contextLength`.
final class ContextCappedSession: LanguageModelSession {
    private let base: any LanguageModelSession
    let contextLength: Int

    init(_ base: any LanguageModelSession, contextLength: Int) {
        self.base = base
        self.contextLength = min(contextLength, base.contextLength)
    }

    var vocabularySize: Int { base.vocabularySize }
    var count: Int { base.count }
    func evaluate(_ tokens: [Int]) throws -> [[Float]] { try base.evaluate(tokens) }
    func prefill(_ tokens: [Int]) throws { try base.prefill(tokens) }
    func truncate(to count: Int) throws { try base.truncate(to: count) }
    func evaluate(_ tokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]] {
        try base.evaluate(tokens, onEarlyExit: onEarlyExit)
    }
}
