/// No verifier can be reached now (all down, none listed, the network cut): the one verifier failure
/// that `ResilientGenerator` answers by continuing with the draft alone. Every other verifier error
/// (a refusal, a malformed verdict, a full context) is a real problem and surfaces.
public struct VerifierUnavailable: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was tried and how it failed, for people.
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "no verifier reachable: \(reason)" }
}

/// A verifier that can move a session to another server after losing one, and counts the moves.
public protocol FailoverReporting: Sendable {
    /// Times a session moved to a verifier after losing the previous one.
    var failovers: Int { get async }
}
