/// Why `tandem bench assist` could not run, in words a user can act on.
public enum AssistBenchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An option's value is out of range or unreadable.
    case invalidOption(String)
    /// A model file is missing or unusable.
    case model(String)
    /// The in-process server or the link emulator failed.
    case setup(String)

    public var description: String {
        switch self {
        case .invalidOption(let message), .model(let message), .setup(let message): message
        }
    }
}
