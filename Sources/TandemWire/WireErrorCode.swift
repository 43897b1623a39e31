/// The machine-readable reason of an `error` frame.
///
/// A struct over its raw string (not an enum) so a client can decode codes that a newer server added.
public struct WireErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Not JSON, not an object, a binary frame, or a field missing or of the wrong type.
    public static let badFrame = WireErrorCode("bad_frame")
    /// A `type` this side does not know.
    public static let unknownType = WireErrorCode("unknown_type")
    /// A `v` or `protocol` this side does not speak.
    public static let protocolVersion = WireErrorCode("protocol_version")
    /// A known message type this server does not implement (none today; kept so older clients and
    /// servers can say so).
    public static let unsupported = WireErrorCode("unsupported")
    /// Draft and target tokenizers differ.
    public static let fingerprintMismatch = WireErrorCode("fingerprint_mismatch")
    /// A token id outside the target's vocabulary.
    public static let tokenOutOfRange = WireErrorCode("token_out_of_range")
    /// More drafts than the server's window limit.
    public static let windowTooLarge = WireErrorCode("window_too_large")
    /// The round's `base` is not what the server holds: re-open with the whole sequence.
    public static let resync = WireErrorCode("resync")
    /// The prompt or the round does not fit the context.
    public static let contextFull = WireErrorCode("context_full")
    /// `verify` before `open` (or after `close`, or after a failed `open`).
    public static let notOpen = WireErrorCode("not_open")
    /// A round number not above the last one (a replayed round is never applied twice).
    public static let roundOrder = WireErrorCode("round_order")
    /// The session already finished (stop token, token limit).
    public static let sessionFinished = WireErrorCode("session_finished")
    /// A well-formed request with values out of range (empty prompt, bad sampling, malformed q).
    public static let invalidRequest = WireErrorCode("invalid_request")
    /// The server holds as many sessions as it allows.
    public static let sessionLimit = WireErrorCode("session_limit")
    /// The server's KV cache memory budget (`--kv-budget-mb`) cannot hold the session's next
    /// positions; nothing was applied. Retry later, or re-open with a shorter sequence.
    public static let kvBudget = WireErrorCode("kv_budget")
    /// The session was idle too long; the server closes the connection after this frame.
    public static let idleTimeout = WireErrorCode("idle_timeout")
    /// The connection's API key was revoked (the server re-read its key file) since the upgrade;
    /// nothing is opened. Reconnect with a valid key.
    public static let unauthorized = WireErrorCode("unauthorized")
    /// A rate was exceeded: the key's tokens per minute or sessions opened per minute, or the
    /// server's opens per minute. Nothing was applied; retry later.
    public static let rateLimited = WireErrorCode("rate_limited")
    /// The server holds its limit of rounds in flight (all sessions together); nothing was applied,
    /// retry the round later.
    public static let overloaded = WireErrorCode("overloaded")
    /// A message larger than the server's frame cap; the server closes the connection after this frame.
    public static let frameTooLarge = WireErrorCode("frame_too_large")
    /// A failure inside the server; the session is dropped, the client may re-open.
    public static let `internal` = WireErrorCode("internal")
}
