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
}

/// The engine's sampler already has `distribution(_:recent:)`: p and q are then exactly what the
/// engine would sample from alone.
extension Sampler: DistributionShaper {}
