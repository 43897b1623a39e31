/// The hyperparameters of a Llama-family model, used to make random-weight files for benchmarks.
struct ModelShape: Sendable {
    var name: String
    var layers: Int
    var embedding: Int
    var heads: Int
    var kvHeads: Int
    var feedForward: Int
    var vocabulary: Int
    var contextLength: Int
    var ropeBase: Double

    /// SmolLM2-135M's widths: the shape the engine's speed targets are stated for.
    static let smollm2_135m = ModelShape(
        name: "smollm2-135m", layers: 30, embedding: 576, heads: 9, kvHeads: 3, feedForward: 1536,
        vocabulary: 49152, contextLength: 2048, ropeBase: 100_000)

    /// A small shape for quick runs and tests.
    static let tiny = ModelShape(
        name: "tiny", layers: 2, embedding: 256, heads: 4, kvHeads: 2, feedForward: 512,
        vocabulary: 1024, contextLength: 512, ropeBase: 10_000)

    static let all = [smollm2_135m, tiny]

    var headDim: Int { embedding / heads }
}
