/// The hyperparameters of a Llama-family model, used to make random-weight files for benchmarks.
public struct ModelShape: Sendable {
    public var name: String
    public var layers: Int
    public var embedding: Int
    public var heads: Int
    public var kvHeads: Int
    public var feedForward: Int
    public var vocabulary: Int
    public var contextLength: Int
    public var ropeBase: Double

    /// SmolLM2-135M's widths: the shape the engine's speed targets are stated for.
    public static let smollm2_135m = ModelShape(
        name: "smollm2-135m", layers: 30, embedding: 576, heads: 9, kvHeads: 3, feedForward: 1536,
        vocabulary: 49152, contextLength: 2048, ropeBase: 100_000)

    /// A small shape for quick runs and tests.
    public static let tiny = ModelShape(
        name: "tiny", layers: 2, embedding: 256, heads: 4, kvHeads: 2, feedForward: 512,
        vocabulary: 1024, contextLength: 512, ropeBase: 10_000)

    public static let all = [smollm2_135m, tiny]

    public var headDim: Int { embedding / heads }
}
