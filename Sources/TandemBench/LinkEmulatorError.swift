/// Why the link emulator could not do what was asked, with a message a user can act on.
public enum LinkEmulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The listening address could not be bound (in use, not local, bad host).
    case listenFailed(LinkEndpoint, String)
    /// The target refused or did not answer a connection.
    case targetUnreachable(LinkEndpoint, String)
    /// ``LinkEmulator/start()`` was called twice.
    case alreadyStarted
    /// The emulator was stopped.
    case stopped

    public var description: String {
        switch self {
        case .listenFailed(let endpoint, let reason): "cannot listen on \(endpoint): \(reason)"
        case .targetUnreachable(let endpoint, let reason):
            "cannot reach the target \(endpoint): \(reason); is the server running?"
        case .alreadyStarted: "the link emulator is already started"
        case .stopped: "the link emulator is stopped"
        }
    }
}
