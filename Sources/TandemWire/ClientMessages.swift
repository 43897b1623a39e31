/// `open`: starts (or replaces) the connection's session with `prompt` as the agreed sequence.
/// A client re-opening after a drop or a `resync` sends its whole sequence as `prompt`.
public struct OpenMessage: Sendable, Equatable, Codable {
    /// `WireProtocol.name`.
    public var `protocol`: String
    /// The draft tokenizer's fingerprint; the server refuses a session whose target differs.
    public var draftFingerprint: String
    /// The draft model's name, for messages a person reads (optional).
    public var draftModel: String?
    public var sampling: WireSampling
    public var prompt: [Int]
    public var maxTokens: Int
    public var stopTokens: [Int]
    /// True asks the server for a `provisional` frame before each `verdict` (early-exit preemptive
    /// drafting); absent or false: verdicts only.
    public var preemptive: Bool?
    /// A fresh random challenge (hex, at most `maxNonceLength` characters): a verifier that holds the
    /// shared secret answers `proof` in `opened`; absent: no proof is asked for.
    public var nonce: String?

    /// Longest `nonce` a server answers.
    public static let maxNonceLength = 128

    public init(
        protocol: String = WireProtocol.name, draftFingerprint: String, draftModel: String? = nil,
        sampling: WireSampling, prompt: [Int], maxTokens: Int, stopTokens: [Int], preemptive: Bool? = nil,
        nonce: String? = nil
    ) {
        self.protocol = `protocol`
        self.draftFingerprint = draftFingerprint
        self.draftModel = draftModel
        self.sampling = sampling
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
        self.preemptive = preemptive
        self.nonce = nonce
    }

    /// What a verifier's `proof` authenticates: the nonce, then the model file's hash (empty when the
    /// server reports none), each as `<utf8 length>:<text>\n`.
    public static func proofContent(nonce: String, modelSha256: String?) -> String {
        CanonicalText.join(["tandem-open-proof-v1", nonce, modelSha256 ?? ""])
    }

    enum CodingKeys: String, CodingKey {
        case `protocol`, sampling, prompt, preemptive, nonce
        case draftFingerprint = "draft_fingerprint"
        case draftModel = "draft_model"
        case maxTokens = "max_tokens"
        case stopTokens = "stop_tokens"
    }
}

/// `verify`: one round's window of drafts continuing the `base` agreed tokens.
public struct VerifyMessage: Sendable, Equatable, Codable {
    public var round: Int
    public var base: Int
    public var drafts: [Int]
    /// The drafts' sparse distributions under sampled decoding; absent under greedy.
    public var q: [WireDistribution]?

    public init(round: Int, base: Int, drafts: [Int], q: [WireDistribution]? = nil) {
        self.round = round
        self.base = base
        self.drafts = drafts
        self.q = q
    }
}

/// `extend` (routing mode): the tokens the client generated alone since the last exchange (final),
/// to append to the session after `base` agreed tokens, and how many tokens the server answers for the
/// positions after them (`span`, default 1). The server answers `routed`.
public struct ExtendMessage: Sendable, Equatable, Codable {
    public var round: Int
    public var base: Int
    public var tokens: [Int]
    /// Tokens the server answers (≥ 1); absent on the wire means 1.
    public var span: Int

    public init(round: Int, base: Int, tokens: [Int], span: Int = 1) {
        self.round = round
        self.base = base
        self.tokens = tokens
        self.span = span
    }

    enum CodingKeys: String, CodingKey {
        case round, base, tokens, span
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        round = try c.decode(Int.self, forKey: .round)
        base = try c.decode(Int.self, forKey: .base)
        tokens = try c.decode([Int].self, forKey: .tokens)
        span = try c.decodeIfPresent(Int.self, forKey: .span) ?? 1
    }
}

/// `generate`: the server generates the rest of the session by itself (cloud-only decoding), one
/// target pass per token, and streams each token as an ordinary `verdict` (accepted 0, `next` = the
/// token, rounds `round`, `round` + 1, …) until the last, which has `finished: true`.
/// `base` is the agreed length the client believes the server holds, as in `verify`.
public struct GenerateMessage: Sendable, Equatable, Codable {
    /// The round number of the first verdict; later ones count up from it.
    public var round: Int
    public var base: Int

    public init(round: Int, base: Int) {
        self.round = round
        self.base = base
    }
}
