/// Constants of the assisted-decoding wire protocol (one WebSocket per session at `path`).
public enum WireProtocol {
    /// The protocol's name, sent in `open` so a server can refuse a client speaking something else.
    public static let name = "tandem-assist"
    /// The message format version carried as `v` in every frame. A peer refuses every other version
    /// (`protocol_version`); any change to a message's fields or meaning bumps it (docs/PROTOCOL.md).
    /// 2: every key snake_case (`max_tokens`, `target_fingerprint`, `top_k`, …); 1: mixed camelCase.
    public static let version = 2
    /// The WebSocket path of verifier sessions.
    public static let path = "/v1/assist"
    /// Largest text frame either side accepts, in bytes.
    public static let maxFrameBytes = 4 << 20
}
