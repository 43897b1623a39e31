/// An error of the wire: a frame this side could not read, or an `error` frame the peer sent.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: WireErrorCode
    /// What went wrong, for a person.
    public var message: String

    public init(_ code: WireErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
