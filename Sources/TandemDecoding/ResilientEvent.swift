/// Where a run of generated tokens comes from.
public enum TokenSource: String, Sendable, Equatable, Codable {
    /// Agreed with a verifier (the target model's tokens).
    case verified
    /// Made by the draft alone while no verifier was reachable.
    case local
}

/// What a `ResilientGenerator` streams: tokens, a marker whenever their source changes, then the result.
public enum ResilientEvent: Sendable, Equatable {
    /// An agreed token (its source is the last `source` event's).
    case token(Int)
    /// The tokens from here on come from `source`; `reason` says why it changed.
    case source(TokenSource, reason: String)
    case finished(GenerationResult)
}
