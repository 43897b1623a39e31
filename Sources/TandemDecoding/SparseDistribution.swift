/// A distribution over a few token ids: the draft's q at one position, as it crosses the wire.
///
/// The drafter samples from exactly this (top-k truncated, renormalised) distribution, so the
/// verifier's q is exact, not an approximation of the draft's full softmax. Probabilities are
/// normalised by their sum wherever they are used, so Float rounding cannot make the two sides
/// disagree about q.
public struct SparseDistribution: Sendable, Equatable, Hashable, Codable {
    /// Token ids, distinct.
    public var ids: [Int]
    /// Their probabilities (non-negative, summing to about 1).
    public var probabilities: [Float]

    public init(ids: [Int], probabilities: [Float]) {
        self.ids = ids
        self.probabilities = probabilities
    }

    /// The `k` most likely tokens of a dense distribution (ties to the lower id; zero entries dropped),
    /// renormalised.
    public static func topK(_ dense: [Float], k: Int) -> SparseDistribution {
        var order = dense.indices.filter { dense[$0] > 0 && dense[$0].isFinite }
        order.sort { dense[$0] != dense[$1] ? dense[$0] > dense[$1] : $0 < $1 }
        if order.count > max(k, 1) { order.removeLast(order.count - max(k, 1)) }
        let total = order.reduce(0.0) { $0 + Double(dense[$1]) }
        return SparseDistribution(ids: order, probabilities: order.map { Float(Double(dense[$0]) / total) })
    }

    /// The (normalised) probability of `id`; 0 when absent.
    public func probability(of id: Int) -> Double {
        guard let i = ids.firstIndex(of: id) else { return 0 }
        return Double(probabilities[i]) / total
    }

    private var total: Double { probabilities.reduce(0.0) { $0 + Double($1) } }

    /// Throws `GenerationError.invalidProposal` unless this is a distribution over valid ids.
    public func validate(vocabularySize: Int) throws {
        guard ids.count == probabilities.count, !ids.isEmpty else {
            throw GenerationError.invalidProposal("q has \(ids.count) ids and \(probabilities.count) probabilities")
        }
        guard Set(ids).count == ids.count else { throw GenerationError.invalidProposal("q repeats a token id") }
        for id in ids where id < 0 || id >= vocabularySize {
            throw GenerationError.invalidProposal("q names token \(id), outside the vocabulary 0..<\(vocabularySize)")
        }
        guard probabilities.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw GenerationError.invalidProposal("q has a negative or non-finite probability")
        }
        let sum = total
        guard sum > 0.99, sum < 1.01 else { throw GenerationError.invalidProposal("q sums to \(sum), not 1") }
    }

    /// Draws a token id from this distribution.
    func sample<R: RandomNumberGenerator>(using rng: inout R) -> Int? {
        drawIndex(probabilities.map(Double.init), using: &rng).map { ids[$0] }
    }
}
