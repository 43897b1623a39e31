/// A link emulator setting that cannot be used, with a message a user can act on.
public enum LinkConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A quantity such as `50ms` or `20mbit` that does not parse.
    case unparsable(String)
    /// A value that parses but is out of range (negative delay, zero bandwidth, port over 65535).
    case invalidValue(String)
    /// A `host:port` address that does not parse.
    case invalidAddress(String)

    public var description: String {
        switch self {
        case .unparsable(let message), .invalidValue(let message), .invalidAddress(let message): message
        }
    }
}
