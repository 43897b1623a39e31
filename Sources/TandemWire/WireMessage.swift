/// Every message of the protocol. One message per WebSocket text frame, as a JSON object with a `type`
/// discriminator, the protocol version `v`, and the message's fields beside them.
public enum WireMessage: Sendable, Equatable {
    // Client → server.
    case open(OpenMessage)
    case verify(VerifyMessage)
    case extend(ExtendMessage)
    case close
    /// The server generates the rest alone and streams a `verdict` per token (cloud-only decoding).
    case generate(GenerateMessage)
    // Server → client.
    case opened(OpenedMessage)
    case verdict(VerdictMessage)
    case provisional(ProvisionalMessage)
    case error(ErrorMessage)
    case routed(RoutedMessage)

    /// The `type` discriminator of each message.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case open, verify, extend, close, opened, verdict, provisional, error
        case routed
        case generate
    }

    public var kind: Kind {
        switch self {
        case .open: .open
        case .verify: .verify
        case .extend: .extend
        case .close: .close
        case .generate: .generate
        case .opened: .opened
        case .verdict: .verdict
        case .provisional: .provisional
        case .error: .error
        case .routed: .routed
        }
    }
}
