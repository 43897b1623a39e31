/// A `LanguageModelSession` that can also hand out the hidden states its output head reads (what a
/// `LearnedRouter` scores). The engine's sessions conform; a session without this capability cannot
/// route with a learned router.
public protocol HiddenStateSession: LanguageModelSession {
    /// Evaluates like `evaluate(_:)` and also returns, per new position, the hidden state the output
    /// head read for that row (after the final norm).
    func evaluateWithHiddenStates(_ tokens: [Int]) throws -> (logits: [[Float]], hidden: [[Float]])
}
