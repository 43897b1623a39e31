import TandemDecoding

/// The provisional-verdict hit rate of early exits, layer by layer (`tandem bench exit-layers`).
///
/// A verification window is the pass over `[pending, d1 … dk]`: row i's argmax judges draft i + 1 and
/// row k's is the bonus. The final verdict applies greedy verification to the final rows' argmaxes;
/// the provisional verdict at layer L applies it to the layer-L exit rows' argmaxes. A hit is a
/// provisional (accepted length, next token) equal to the final one — exactly what preemptive
/// drafting needs for its pre-drafted window to be kept.
public struct ExitLayerTally: Sendable, Equatable, Codable {
    /// One layer's counts.
    public struct Layer: Sendable, Equatable, Codable {
        public var layer: Int
        /// Windows whose provisional verdict equals the final one (accepted length and next token).
        public var hits = 0
        /// Windows whose provisional accepted length equals the final one (next token may differ).
        public var acceptedMatches = 0
        /// Rows (positions) whose exit argmax equals the final argmax.
        public var rowMatches = 0

        public init(layer: Int) {
            self.layer = layer
        }

        enum CodingKeys: String, CodingKey {
            case layer, hits
            case acceptedMatches = "accepted_matches"
            case rowMatches = "row_matches"
        }
    }

    public private(set) var windows = 0
    public private(set) var rows = 0
    /// Drafts proposed, all windows together.
    public private(set) var drafts = 0
    /// Drafts the final verdicts accepted.
    public private(set) var accepted = 0
    public private(set) var layers: [Layer]

    public init(layers: [Int]) {
        self.layers = layers.sorted().map { Layer(layer: $0) }
    }

    /// The greedy verdict (accepted length, next token) of `drafts` against per-row argmaxes `choices`
    /// (`drafts.count + 1` of them).
    public static func verdict(drafts: [Int], choices: [Int]) -> VerificationOutcome? {
        guard choices.count == drafts.count + 1 else { return nil }
        return GreedyVerification.verify(drafts: drafts, target: { choices[$0] })
    }

    /// Adds one window: its drafts, the final rows' argmaxes and each layer's exit argmaxes. A window
    /// whose row counts do not fit is not counted.
    public mutating func add(drafts: [Int], final: [Int], exits: [Int: [Int]]) {
        guard let truth = Self.verdict(drafts: drafts, choices: final) else { return }
        windows += 1
        rows += final.count
        self.drafts += drafts.count
        accepted += truth.accepted
        for i in layers.indices {
            guard let choices = exits[layers[i].layer], let guess = Self.verdict(drafts: drafts, choices: choices)
            else { continue }
            if guess == truth { layers[i].hits += 1 }
            if guess.accepted == truth.accepted { layers[i].acceptedMatches += 1 }
            layers[i].rowMatches += zip(choices, final).filter { $0 == $1 }.count
        }
    }

    /// Hits ÷ windows for `layer` (nil when it was not tallied or no window was).
    public func hitRate(_ layer: Int) -> Double? {
        guard windows > 0, let l = layers.first(where: { $0.layer == layer }) else { return nil }
        return Double(l.hits) / Double(windows)
    }

    enum CodingKeys: String, CodingKey {
        case windows, rows, drafts, accepted, layers
    }
}
