/// The server's limits for a session.
public struct WireLimits: Sendable, Equatable, Codable {
    /// Most drafts in one `verify`.
    public var maxWindow: Int
    /// The agreed sequence never grows past this.
    public var contextLength: Int
    /// Valid token ids are `0..<vocabularySize`.
    public var vocabularySize: Int

    public init(maxWindow: Int, contextLength: Int, vocabularySize: Int) {
        self.maxWindow = maxWindow
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    enum CodingKeys: String, CodingKey {
        case maxWindow = "max_window"
        case contextLength = "context_length"
        case vocabularySize = "vocabulary_size"
    }
}

/// `opened`: the session exists and holds `base` agreed tokens.
public struct OpenedMessage: Sendable, Equatable, Codable {
    public var session: String
    /// The target model's id.
    public var model: String
    public var targetFingerprint: String
    public var base: Int
    public var limits: WireLimits
    /// SHA-256 of the target model's file (64 hex digits), when the server computed it; clients that
    /// require a particular model compare it.
    public var modelSha256: String?
    /// The server's time for opening (the prompt's prefill); absent from servers that do not report it.
    public var timings: WireTimings?
    /// HMAC-SHA256(shared secret, `OpenMessage.proofContent(nonce:modelSha256:)`), hex: the answer to
    /// `open`'s `nonce` from a verifier that holds the secret; absent when no nonce was sent or the
    /// server has no secret.
    public var proof: String?

    public init(
        session: String, model: String, targetFingerprint: String, base: Int, limits: WireLimits,
        modelSha256: String? = nil, timings: WireTimings? = nil, proof: String? = nil
    ) {
        self.session = session
        self.model = model
        self.targetFingerprint = targetFingerprint
        self.base = base
        self.limits = limits
        self.modelSha256 = modelSha256
        self.timings = timings
        self.proof = proof
    }

    enum CodingKeys: String, CodingKey {
        case session, model, base, limits, timings, proof
        case targetFingerprint = "target_fingerprint"
        case modelSha256 = "model_sha256"
    }
}

/// `verdict`: the answer to a round.
public struct VerdictMessage: Sendable, Equatable, Codable {
    public var round: Int
    public var accepted: Int
    public var next: Int
    public var finished: Bool
    public var timings: WireTimings

    public init(round: Int, accepted: Int, next: Int, finished: Bool, timings: WireTimings = WireTimings()) {
        self.round = round
        self.accepted = accepted
        self.next = next
        self.finished = finished
        self.timings = timings
    }
}

/// `provisional`: the server's early-exit guess at a round's verdict, sent mid-pass before the `verdict`
/// to a session opened with `preemptive: true` (same fields as the verdict it anticipates).
public struct ProvisionalMessage: Sendable, Equatable, Codable {
    public var round: Int
    public var accepted: Int
    public var next: Int

    public init(round: Int, accepted: Int, next: Int) {
        self.round = round
        self.accepted = accepted
        self.next = next
    }
}

/// `error`: what went wrong with the last frame; the connection stays open unless the code says otherwise.
public struct ErrorMessage: Sendable, Equatable, Codable {
    public var code: WireErrorCode
    public var message: String

    public init(code: WireErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public init(_ error: WireError) {
        self.init(code: error.code, message: error.message)
    }

    public var wireError: WireError { WireError(code, message) }
}
