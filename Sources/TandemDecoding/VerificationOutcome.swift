/// What a verification rule decided for one window.
public struct VerificationOutcome: Sendable, Equatable {
    /// Drafts accepted, from the first.
    public var accepted: Int
    /// The correction at the first rejected position, or the bonus after a full window.
    public var next: Int

    public init(accepted: Int, next: Int) {
        self.accepted = accepted
        self.next = next
    }
}
