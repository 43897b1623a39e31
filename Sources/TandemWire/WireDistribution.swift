/// A distribution over a few token ids (the draft's q at one position), as `verify` carries it.
public struct WireDistribution: Sendable, Equatable, Hashable, Codable {
    /// Token ids, distinct.
    public var ids: [Int]
    /// Their probabilities (non-negative, summing to about 1).
    public var probabilities: [Float]

    public init(ids: [Int], probabilities: [Float]) {
        self.ids = ids
        self.probabilities = probabilities
    }
}
