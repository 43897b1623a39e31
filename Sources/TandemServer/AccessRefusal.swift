import TandemOpenAI
import TandemWire

/// Why a request was refused by the key check or a rate or quota; each maps to an HTTP status and
/// OpenAI error body, and to a wire error code for `/v1/assist`.
public enum AccessRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `Authorization: Bearer` header (401).
    case missingKey
    /// A key that is not (or no longer) in the key file (401).
    case invalidKey
    /// The key holds its `max_sessions` (429).
    case keySessions(key: String, limit: Int)
    /// The key spent its `tokens_per_minute` (429).
    case keyTokens(key: String, limit: Int)
    /// The key opened sessions faster than its `opens_per_minute` (429).
    case keyOpens(key: String, limit: Int)
    /// The server's `--opens-per-minute` is spent (429).
    case serverOpens(limit: Int)
    /// The server's `--max-queued-rounds` rounds are in flight (429).
    case overloaded(limit: Int)

    /// The label of `/metrics`' `reason`.
    public var reason: String {
        switch self {
        case .missingKey: "missing_key"
        case .invalidKey: "invalid_key"
        case .keySessions: "sessions"
        case .keyTokens: "tokens_per_minute"
        case .keyOpens, .serverOpens: "open_rate"
        case .overloaded: "queued_rounds"
        }
    }

    public var description: String {
        switch self {
        case .missingKey:
            "This server needs an API key: send Authorization: Bearer <key> (tandem: --api-key or TANDEM_API_KEY)."
        case .invalidKey:
            "Incorrect API key provided. The key is unknown to this server or was revoked."
        case .keySessions(let key, let limit):
            "Key '\(key)' holds its limit of \(limit) open sessions; close one or retry later."
        case .keyTokens(let key, let limit):
            "Rate limit reached for key '\(key)' on tokens per min (TPM): limit \(limit). Retry later."
        case .keyOpens(let key, let limit):
            "Rate limit reached for key '\(key)' on sessions opened per min: limit \(limit). Retry later."
        case .serverOpens(let limit):
            "Rate limit reached on sessions opened per min on this server: limit \(limit). Retry later."
        case .overloaded(let limit):
            "The server holds its limit of \(limit) rounds in flight; retry later."
        }
    }

    /// The wire error code of the refusal on `/v1/assist`.
    public var wireCode: WireErrorCode {
        switch self {
        case .missingKey, .invalidKey: .unauthorized
        case .keySessions: .sessionLimit
        case .keyTokens, .keyOpens, .serverOpens: .rateLimited
        case .overloaded: .overloaded
        }
    }

    /// The refusal in OpenAI's shape: 401 `invalid_api_key`, 429 `rate_limit_exceeded` (type `tokens`
    /// or `requests`, as OpenAI names the limit that was reached).
    public var openAIError: OpenAIError {
        switch self {
        case .missingKey, .invalidKey: .invalidAPIKey(description)
        case .keyTokens: .rateLimited(description, type: "tokens")
        case .keySessions, .keyOpens, .serverOpens, .overloaded: .rateLimited(description, type: "requests")
        }
    }
}
