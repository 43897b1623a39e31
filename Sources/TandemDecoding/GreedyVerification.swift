/// Greedy verification: keep drafts while they equal the target's argmax; answer with the target's
/// token at the first disagreement, or its bonus token after a fully accepted window.
///
/// The output is exactly the target's own greedy continuation, whatever the drafts were.
public enum GreedyVerification {
    /// - Parameters:
    ///   - drafts: d1 … dk.
    ///   - target: the target's choice at window position i (0...k), given the kept drafts before it.
    ///     Called lazily, only up to the first rejection.
    public static func verify(drafts: [Int], target: (Int) throws -> Int) rethrows -> VerificationOutcome {
        for (i, draft) in drafts.enumerated() {
            let choice = try target(i)
            if choice != draft { return VerificationOutcome(accepted: i, next: choice) }
        }
        return VerificationOutcome(accepted: drafts.count, next: try target(drafts.count))
    }
}
