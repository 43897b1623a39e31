/// The coordinator's HTTP API (JSON bodies, snake_case keys), spoken by verifiers (register,
/// heartbeat, leave), by the coordinator, and by clients (the ranked listing).
///
/// ```
/// POST   /v1/verifiers                 VerifierRegistration → RegistrationAnswer   (bearer secret)
/// POST   /v1/verifiers/{id}/heartbeat  VerifierHeartbeat    → RegistrationAnswer   (bearer secret; 404: re-register)
/// DELETE /v1/verifiers/{id}                                                          (bearer secret)
/// GET    /v1/verifiers?tokenizer_fingerprint=…&model_sha256=…          → VerifierListing
/// ```
/// Refusals answer `RegistryErrorBody` with 400 (bad body), 401 (secret), 404 (unknown id) or
/// 409 (model hash conflict).
public enum RegistryAPI {
    /// The collection path.
    public static let path = "/v1/verifiers"
    /// Largest request body the coordinator reads.
    public static let maxBodyBytes = 16 * 1024
    /// Longest address, id, model name, fingerprint.
    public static let maxFieldLength = 512

    /// A short description of a JSON decoding error (which field and why), as the wire codec words it.
    public static func describe(_ error: any Error) -> String {
        WireCodec.describe(error)
    }
}

/// How loaded a verifier is, as its heartbeats report it.
public struct VerifierLoad: Sendable, Equatable, Codable {
    /// Sessions open now (one KV cache each).
    public var activeSessions: Int
    /// Verification rounds received and not yet answered (waiting for or in the forward pass).
    public var queuedRounds: Int
    /// Tokens the verifier produced per second over its recent past.
    public var tokensPerS: Double

    public init(activeSessions: Int = 0, queuedRounds: Int = 0, tokensPerS: Double = 0) {
        self.activeSessions = activeSessions
        self.queuedRounds = queuedRounds
        self.tokensPerS = tokensPerS
    }

    enum CodingKeys: String, CodingKey {
        case activeSessions = "active_sessions"
        case queuedRounds = "queued_rounds"
        case tokensPerS = "tokens_per_s"
    }

    /// Throws `RegistryValidationError` on negative or non-finite numbers.
    public func validate() throws(RegistryValidationError) {
        guard activeSessions >= 0 else { throw .init("active_sessions must be ≥ 0, got \(activeSessions)") }
        guard queuedRounds >= 0 else { throw .init("queued_rounds must be ≥ 0, got \(queuedRounds)") }
        guard tokensPerS.isFinite, tokensPerS >= 0 else { throw .init("tokens_per_s must be a finite number ≥ 0") }
    }
}

/// `POST /v1/verifiers`: a verifier announces itself.
public struct VerifierRegistration: Sendable, Equatable, Codable {
    /// Where clients reach it: `ws://host:port` (the `/v1/assist` path may follow).
    public var address: String
    /// The target model's id (usually its file name).
    public var model: String
    /// The tokenizer fingerprint a draft must match.
    public var tokenizerFingerprint: String
    /// SHA-256 of the model file, 64 lowercase hex digits.
    public var modelSha256: String
    public var contextLength: Int
    /// Most sessions it holds at once.
    public var capacity: Int
    /// Its load at registration.
    public var load: VerifierLoad
    /// When the verifier signed this entry, milliseconds since 1970 (with `signature`; optional).
    public var signedAt: Int?
    /// HMAC-SHA256(shared secret, `signedContent`), 64 lowercase hex digits: lets a client that knows
    /// the secret tell the registered verifier's entry from a forged or altered one (optional).
    public var signature: String?

    public init(
        address: String, model: String, tokenizerFingerprint: String, modelSha256: String, contextLength: Int,
        capacity: Int, load: VerifierLoad = VerifierLoad(), signedAt: Int? = nil, signature: String? = nil
    ) {
        self.address = address
        self.model = model
        self.tokenizerFingerprint = tokenizerFingerprint
        self.modelSha256 = modelSha256
        self.contextLength = contextLength
        self.capacity = capacity
        self.load = load
        self.signedAt = signedAt
        self.signature = signature
    }

    /// What `signature` authenticates: the address, model id, model hash and `signed_at`, each as
    /// `<utf8 length>:<text>\n` after a fixed tag (docs/SECURITY.md).
    public var signedContent: String {
        CanonicalText.join(["tandem-listing-v1", address, model, modelSha256, signedAt.map(String.init) ?? ""])
    }

    enum CodingKeys: String, CodingKey {
        case address, model, capacity, load, signature
        case tokenizerFingerprint = "tokenizer_fingerprint"
        case modelSha256 = "model_sha256"
        case contextLength = "context_length"
        case signedAt = "signed_at"
    }

    /// Throws `RegistryValidationError` naming the first bad field.
    public func validate() throws(RegistryValidationError) {
        try RegistryValidation.address(address)
        try RegistryValidation.text(model, field: "model")
        try RegistryValidation.text(tokenizerFingerprint, field: "tokenizer_fingerprint")
        try RegistryValidation.sha256(modelSha256)
        guard contextLength >= 1 else { throw .init("context_length must be ≥ 1, got \(contextLength)") }
        guard capacity >= 1 else { throw .init("capacity must be ≥ 1, got \(capacity)") }
        try load.validate()
        if let signature, !RegistryValidation.isSHA256(signature) {
            throw .init("signature must be 64 lowercase hex digits (HMAC-SHA256)")
        }
        if let signedAt, signedAt < 0 { throw .init("signed_at must be ≥ 0, got \(signedAt)") }
    }
}

/// `POST /v1/verifiers/{id}/heartbeat`: still alive, with the current load and the model hash again
/// (a hash that differs from the registration's gets the verifier dropped).
public struct VerifierHeartbeat: Sendable, Equatable, Codable {
    public var modelSha256: String
    public var load: VerifierLoad

    public init(modelSha256: String, load: VerifierLoad) {
        self.modelSha256 = modelSha256
        self.load = load
    }

    enum CodingKeys: String, CodingKey {
        case load
        case modelSha256 = "model_sha256"
    }

    public func validate() throws(RegistryValidationError) {
        try RegistryValidation.sha256(modelSha256)
        try load.validate()
    }
}

/// The coordinator's answer to a registration or heartbeat: the verifier's id and how often to beat.
public struct RegistrationAnswer: Sendable, Equatable, Codable {
    public var id: String
    /// A verifier silent this long is dropped; heartbeat every third of it.
    public var heartbeatTimeoutMs: Int

    public init(id: String, heartbeatTimeoutMs: Int) {
        self.id = id
        self.heartbeatTimeoutMs = heartbeatTimeoutMs
    }

    enum CodingKeys: String, CodingKey {
        case id
        case heartbeatTimeoutMs = "heartbeat_timeout_ms"
    }
}

/// One verifier in the coordinator's listing: its registration (with its latest load) and the
/// coordinator's view of it. On the wire the registration's fields and these sit side by side in one
/// object; in Swift they read through (`entry.address`).
@dynamicMemberLookup
public struct VerifierEntry: Sendable, Equatable, Codable {
    public var id: String
    /// What the verifier announced, its load replaced by the latest heartbeat's.
    public var registration: VerifierRegistration
    /// (active sessions + queued rounds) / capacity: lower is less loaded.
    public var score: Double
    /// Milliseconds since its last registration or heartbeat.
    public var lastSeenMs: Int

    public init(id: String, registration: VerifierRegistration, score: Double, lastSeenMs: Int) {
        self.id = id
        self.registration = registration
        self.score = score
        self.lastSeenMs = lastSeenMs
    }

    public subscript<Value>(dynamicMember field: KeyPath<VerifierRegistration, Value>) -> Value {
        registration[keyPath: field]
    }

    enum CodingKeys: String, CodingKey {
        case id, score
        case lastSeenMs = "last_seen_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        score = try container.decode(Double.self, forKey: .score)
        lastSeenMs = try container.decode(Int.self, forKey: .lastSeenMs)
        registration = try VerifierRegistration(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(score, forKey: .score)
        try container.encode(lastSeenMs, forKey: .lastSeenMs)
        try registration.encode(to: encoder)
    }
}

/// `GET /v1/verifiers`: healthy, compatible verifiers, least loaded first.
public struct VerifierListing: Sendable, Equatable, Codable {
    public var verifiers: [VerifierEntry]

    public init(verifiers: [VerifierEntry]) {
        self.verifiers = verifiers
    }
}

/// The body of every refusal.
public struct RegistryErrorBody: Sendable, Equatable, Codable {
    public var error: String

    public init(error: String) {
        self.error = error
    }
}
