/// A TLS certificate, key or CA file that cannot be used, found at start (before anything listens or
/// connects). The description names the file.
public enum TLSSetupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file cannot be read (missing, a directory, no permission).
    case unreadable(path: String, reason: String)
    /// The file is not the PEM it should be (no certificate, no private key, malformed).
    case badPEM(path: String, reason: String)
    /// `--tls-cert` without `--tls-key`, or the reverse.
    case incomplete(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .badPEM(let path, let reason): return "\(path) is not a usable PEM file: \(reason)"
        case .incomplete(let what): return what
        }
    }
}
