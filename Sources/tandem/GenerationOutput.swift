import TandemDecoding

/// `tandem generate --json`'s document, in every mode: the tokens, the text (null without a
/// tokenizer), the stats and, for failover runs, the token segments by source and the verifiers used.
struct GenerationOutput<Stats: Encodable>: Encodable {
    /// A run of consecutive tokens from one source.
    struct Segment: Encodable {
        var source: TokenSource
        var start: Int
        var count: Int
    }

    var tokens: [Int]
    var text: String?
    var segments: [Segment]?
    var verifiers: [String]?
    var stats: Stats

    enum CodingKeys: String, CodingKey {
        case tokens, text, segments, verifiers, stats
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tokens, forKey: .tokens)
        try container.encodeAlways(text, forKey: .text)
        try container.encodeIfPresent(segments, forKey: .segments)
        try container.encodeIfPresent(verifiers, forKey: .verifiers)
        try container.encode(stats, forKey: .stats)
    }
}
