/// What a probing pass (`ModelSession.append(_:logits:probe:)`) reads on the way through the stack,
/// besides the final logits: how early exits at many layers compare, in one pass.
public struct LayerProbe: Sendable, Equatable {
    /// Layers (1...layerCount) whose early-exit logits to return, as `earlyExitLayer: L` would give them.
    public var exitLayers: Set<Int>
    /// Layers (1...layerCount) whose hidden states to return: the residual stream after L blocks.
    public var hiddenLayers: Set<Int>

    public init(exitLayers: Set<Int> = [], hiddenLayers: Set<Int> = []) {
        self.exitLayers = exitLayers
        self.hiddenLayers = hiddenLayers
    }

    /// True when it asks for nothing.
    public var isEmpty: Bool { exitLayers.isEmpty && hiddenLayers.isEmpty }
}

/// What a probing pass read: per requested layer, one row per logits row of the pass (the same rows as
/// `ForwardOutput.logits`).
public struct LayerExits: Sendable {
    /// Early-exit logits (`vocabularySize` each) by layer.
    public let logits: [Int: [[Float]]]
    /// Hidden states (`embeddingLength` each) by layer.
    public let hidden: [Int: [[Float]]]
}
