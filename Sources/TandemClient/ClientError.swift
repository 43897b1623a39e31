/// Failures of the client's transport (a server's refusals arrive as `WireError`).
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The WebSocket could not be opened.
    case connectionFailed(url: String, reason: String)
    /// The connection ended while a message was awaited or sent.
    case connectionLost(String)
    /// No answer within the timeout.
    case timeout(String)
    /// The connection kept failing; the last failure is given.
    case reconnectsExhausted(attempts: Int, last: String)
    /// The server answered with a message that does not fit the exchange.
    case unexpectedMessage(String)
    /// A second `receive` on a connection while one is already waiting (a bug in the caller).
    case concurrentReceive
    /// The TLS handshake failed (an untrusted or mismatched certificate, or a server without TLS); a
    /// reconnect would fail the same way, so it is not retried. `reason` says what to do.
    case tlsFailed(url: String, reason: String)

    public var description: String {
        switch self {
        case .connectionFailed(let url, let reason): return "cannot connect to \(url): \(reason)"
        case .connectionLost(let reason): return "the connection to the server was lost: \(reason)"
        case .timeout(let what): return "timed out: \(what)"
        case .reconnectsExhausted(let attempts, let last):
            return "gave up after \(attempts) reconnects; last failure: \(last)"
        case .unexpectedMessage(let what): return "unexpected message from the server: \(what)"
        case .concurrentReceive: return "a second receive on a connection while one is already waiting"
        case .tlsFailed(let url, let reason): return "cannot connect to \(url): \(reason)"
        }
    }

    /// True for failures a reconnect may cure.
    var isTransport: Bool {
        switch self {
        case .connectionFailed, .connectionLost, .timeout: return true
        case .reconnectsExhausted, .unexpectedMessage, .concurrentReceive, .tlsFailed: return false
        }
    }
}
