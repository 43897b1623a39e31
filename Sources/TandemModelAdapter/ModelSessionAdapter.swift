import TandemDecoding
import TandemModel

/// The engine's session as the decoding core's `LanguageModelSession`: one `append` per evaluation,
/// so a verification round stays ONE forward pass over its k + 1 positions.
extension ModelSession: LanguageModelSession {
    public var vocabularySize: Int { model.config.vocabularySize }
    public var contextLength: Int { model.config.contextLength }

    public func evaluate(_ tokens: [Int]) throws -> [[Float]] {
        try append(tokens, logits: .all).logits
    }

    public func prefill(_ tokens: [Int]) throws {
        try append(tokens, logits: .none)
    }

    /// Early exit at `defaultEarlyExitLayer` (the trained head's layer, else the middle).
    public func evaluate(_ tokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]] {
        try append(tokens, logits: .all, earlyExitLayer: defaultEarlyExitLayer, onEarlyExit: onEarlyExit).logits
    }
}

extension ModelSession: HiddenStateSession {
    /// One pass: the logits and the final-norm hidden states of every new position.
    public func evaluateWithHiddenStates(_ tokens: [Int]) throws -> (logits: [[Float]], hidden: [[Float]]) {
        let output = try append(tokens, logits: .all)
        return (output.logits, output.hiddenStates)
    }
}

/// An engine session whose early exits read a chosen layer instead of the default one (how
/// `tandem serve --exit-layer` reaches the verifier).
public final class EarlyExitSession: LanguageModelSession {
    public let session: ModelSession
    /// The layer early exits read (1...layerCount).
    public let exitLayer: Int

    /// - Throws: `ModelError.invalidEarlyExitLayer` when `exitLayer` is outside 1...layerCount.
    public init(_ session: ModelSession, exitLayer: Int) throws {
        let layers = session.model.config.layerCount
        guard (1...max(1, layers)).contains(exitLayer) else {
            throw ModelError.invalidEarlyExitLayer(exitLayer, layerCount: layers)
        }
        self.session = session
        self.exitLayer = exitLayer
    }

    public var vocabularySize: Int { session.vocabularySize }
    public var contextLength: Int { session.contextLength }
    public var count: Int { session.count }
    public func evaluate(_ tokens: [Int]) throws -> [[Float]] { try session.evaluate(tokens) }
    public func prefill(_ tokens: [Int]) throws { try session.prefill(tokens) }
    public func truncate(to count: Int) throws { try session.truncate(to: count) }

    public func evaluate(_ tokens: [Int], onEarlyExit: ([[Float]]) -> Void) throws -> [[Float]] {
        try session.append(tokens, logits: .all, earlyExitLayer: exitLayer, onEarlyExit: onEarlyExit).logits
    }
}
