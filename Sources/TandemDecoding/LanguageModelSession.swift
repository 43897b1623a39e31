/// A causal language model evaluating one sequence, with a key/value cache that can be rolled back.
///
/// The decoding core is written against this protocol rather than the engine so that every policy can
/// be tested on small toy models; `TandemModel.ModelSession` conforms through a thin adapter (TandemModelAdapter).
/// Implementations are not expected to be thread-safe: the verifier and the drafter confine each
/// session to one `ComputeQueue`.
public protocol LanguageModelSession: AnyObject {
    /// Number of token ids the model knows; valid ids are `0..<vocabularySize`.
    var vocabularySize: Int { get }
    /// Most positions the cache can hold.
    var contextLength: Int { get }
    /// Positions currently in the cache.
    var count: Int { get }
    /// Evaluates `tokens` at the next positions in one forward pass, adds them to the cache, and returns
    /// one row of `vocabularySize` logits per new position (row i predicts the token after `tokens[i]`).
    /// On error the cache must be unchanged.
    func evaluate(_ tokens: [Int]) throws -> [[Float]]
    /// Adds `tokens` to the cache without needing their logits (a prompt prefill).
    func prefill(_ tokens: [Int]) throws
    /// Evaluates like `evaluate(_:)` and, when the model has an early exit, calls `onEarlyExit` once
    /// DURING the pass with the early-exit rows (one per new position, a cheaper guess at the final
    /// rows), before the remaining layers run. The callback runs synchronously on the computing thread
    /// and must return quickly. Models without an early exit never call it (the default).
    func evaluate(_ tokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]]
    /// Rolls the cache back to its first `count` positions.
    func truncate(to count: Int) throws
}

extension LanguageModelSession {
    /// Default prefill: evaluates and drops the logits.
    public func prefill(_ tokens: [Int]) throws {
        _ = try evaluate(tokens)
    }

    /// Default: no early exit; the callback is never called.
    public func evaluate(_ tokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]] {
        try evaluate(tokens)
    }
}
