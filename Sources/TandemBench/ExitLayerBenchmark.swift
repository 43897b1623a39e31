import Foundation
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemTokenizer

/// `tandem bench exit-layers`: how often an early exit at layer L would have given the final verdict,
/// for the verification windows a draft really proposes.
///
/// Every prompt runs assisted decoding in process (greedy; the draft proposes with the chosen window
/// policy, an `InProcessVerifier` judges). Each verification pass reads the exits of ALL requested
/// layers in the same one pass (`ModelSession.append(_:logits:probe:)`) and `ExitLayerTally` compares
/// their provisional verdicts with the final one. The probes slow the target's pass, which the
/// adaptive window's cost model sees: its windows may differ a little from an unprobed run's.
public struct ExitLayerBenchmark: Sendable {
    public struct Configuration: Sendable {
        public var draftPath: String
        public var targetPath: String
        /// A trained exit-head side file for the target (its layer then reads through that head).
        public var exitHeadPath: String?
        public var prompts: [String]
        /// Exit layers to tally (1...layerCount); empty: every layer.
        public var layers: [Int]
        /// "adaptive" (the product's default window) or a fixed window 1…16.
        public var window: String
        public var maxTokens: Int
        public var threads: Int
        /// Keep the hidden states at `hiddenLayers` and at the last layer of every prompt row and verified
        /// row, and write them under `hiddenOut`: `hiddenOut.L<n>.f32` per layer (float32 rows) and
        /// `hiddenOut.tokens` (int32 final argmaxes).
        public var hiddenLayers: [Int]
        public var hiddenOut: String?

        public init(
            draftPath: String, targetPath: String, exitHeadPath: String? = nil, prompts: [String], layers: [Int] = [],
            window: String = "adaptive", maxTokens: Int = 48, threads: Int = 1, hiddenLayers: [Int] = [],
            hiddenOut: String? = nil
        ) {
            self.draftPath = draftPath
            self.targetPath = targetPath
            self.exitHeadPath = exitHeadPath
            self.prompts = prompts
            self.layers = layers
            self.window = window
            self.maxTokens = maxTokens
            self.threads = threads
            self.hiddenLayers = hiddenLayers
            self.hiddenOut = hiddenOut
        }
    }

    /// What one run found.
    public struct Results: Sendable, Codable {
        public var tally: ExitLayerTally
        /// The target's block count and hidden width.
        public var layerCount: Int
        public var embeddingLength: Int
        public var prompts: Int
        public var tokens: Int
        public var window: String
        /// The layer of the trained exit head in use (from the model file or the side file), if any.
        public var trainedHeadLayer: Int?
        public var exitHead: String?
        /// Hidden-state rows written (with `hiddenLayers`).
        public var hiddenRows: Int

        enum CodingKeys: String, CodingKey {
            case tally, prompts, tokens, window
            case layerCount = "layer_count"
            case embeddingLength = "embedding_length"
            case trainedHeadLayer = "trained_head_layer"
            case exitHead = "exit_head"
            case hiddenRows = "hidden_rows"
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs every prompt; `progress` gets (prompts done, prompts).
    public func run(progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Results {
        let c = configuration
        let target = try Model(path: c.targetPath, threads: c.threads, exitHead: c.exitHeadPath)
        let draft = try Model(path: c.draftPath, threads: c.threads)
        let tokenizer = try Tokenizer(gguf: draft.file)
        let count = target.config.layerCount
        let layers = c.layers.isEmpty ? Array(1...count) : c.layers
        for layer in layers + c.hiddenLayers where !(1...count).contains(layer) {
            throw ModelError.invalidEarlyExitLayer(layer, layerCount: count)
        }
        let recorder = ExitProbeRecorder(layers: layers)
        let verifier = InProcessVerifier(
            session: ProbingSession(
                target.makeSession(), layers: layers, hiddenLayers: c.hiddenLayers, recorder: recorder))
        let drafter = ModelDrafter(session: draft.makeSession())
        let policy: any WindowPolicy = try PreemptBenchmark.policy(
            c.window, profile: PreemptProfile(PreemptBenchmark.cloud, exitFraction: 0.5), rtt: 0)
        var tokens = 0
        for (i, prompt) in c.prompts.enumerated() {
            progress(i, c.prompts.count)
            let generator = AssistedGenerator(drafter: drafter, verifier: verifier, policy: policy)
            let request = SessionRequest(prompt: tokenizer.encode(prompt, parseSpecial: true), maxTokens: c.maxTokens)
            tokens += try await generator.run(request).tokens.count
        }
        progress(c.prompts.count, c.prompts.count)
        let hidden = recorder.hidden
        if let out = c.hiddenOut {
            try Self.writeHidden(hidden, to: out)
        }
        return Results(
            tally: recorder.tally, layerCount: count, embeddingLength: target.config.embeddingLength,
            prompts: c.prompts.count, tokens: tokens, window: c.window,
            trainedHeadLayer: target.earlyExitHeadLayer, exitHead: c.exitHeadPath, hiddenRows: hidden.count)
    }

    /// Float32 rows per layer to `path.L<n>.f32`, int32 final argmaxes to `path.tokens`.
    static func writeHidden(_ rows: [ExitProbeRecorder.HiddenRow], to path: String) throws {
        for layer in Set(rows.flatMap { $0.states.keys }) {
            var floats: [Float] = []
            for row in rows { floats += row.states[layer] ?? [] }
            try floats.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: "\(path).L\(layer).f32"))
        }
        let tokens = rows.map { Int32($0.token) }
        try tokens.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: path + ".tokens"))
    }
}
