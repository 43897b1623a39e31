/// Lossless sampled verification (Leviathan et al. 2023; Chen et al. 2023).
///
/// At window position i the draft d_i was drawn from q_i. The verifier accepts it with probability
/// min(1, p_i(d_i) / q_i(d_i)); on rejection it draws the correction from norm(max(0, p_i − q_i)) and
/// stops; after a full window it draws a bonus token from p_k. Each produced token is then distributed
/// exactly as a draw from p, the target's own sampling distribution, so the output distribution is the
/// target's whatever the draft does; the draft only changes how many tokens each pass yields.
public enum SampledVerification {
    /// - Parameters:
    ///   - drafts: d1 … dk.
    ///   - q: per draft, the distribution it was drawn from; nil means deterministic drafts (q one-hot).
    ///   - target: the target's sampling distribution p at window position i (0...k), over the whole
    ///     vocabulary, given the kept drafts before it (need not be normalised). Called lazily.
    ///   - rng: the verifier's seeded generator; one uniform per judged draft, one per drawn token.
    /// - Throws: `GenerationError.invalidProposal` when a draft has no mass under its q (it could not have
    ///   been drawn from it), `.invalidDistribution` when p has no mass; errors of `target`.
    public static func verify<R: RandomNumberGenerator>(
        drafts: [Int], q: [SparseDistribution]?, target: (Int) throws -> [Float], using rng: inout R
    ) throws -> VerificationOutcome {
        if let q, q.count != drafts.count {
            throw GenerationError.invalidProposal("\(drafts.count) drafts but \(q.count) q distributions")
        }
        for (i, draft) in drafts.enumerated() {
            let p = try normalized(target(i), position: i)
            guard draft >= 0, draft < p.count else {
                throw GenerationError.tokenOutOfRange(token: draft, vocabularySize: p.count)
            }
            try q?[i].validate(vocabularySize: p.count)
            let qDraft = q.map { $0[i].probability(of: draft) } ?? 1
            guard qDraft > 0 else {
                throw GenerationError.invalidProposal("draft \(i + 1) (token \(draft)) has probability 0 under its q")
            }
            let u = rng.nextUnit()
            if u * qDraft < p[draft] { continue }  // u < p/q, without dividing
            // Rejected: the residual max(0, p − q) holds exactly the mass q over-proposed elsewhere.
            var residual = p
            if let qi = q?[i] {
                let total = qi.probabilities.reduce(0.0) { $0 + Double($1) }
                for (id, probability) in zip(qi.ids, qi.probabilities) {
                    residual[id] = max(0, residual[id] - Double(probability) / total)
                }
            } else {
                residual[draft] = 0
            }
            // Rounding can only empty the residual when p ≈ q, where rejection has probability ≈ 0.
            let next = drawIndex(residual, using: &rng) ?? drawIndex(p, using: &rng) ?? 0
            return VerificationOutcome(accepted: i, next: next)
        }
        let p = try normalized(target(drafts.count), position: drafts.count)
        guard let bonus = drawIndex(p, using: &rng) else {
            throw GenerationError.invalidDistribution(
                "the target's distribution at position \(drafts.count) has no mass")
        }
        return VerificationOutcome(accepted: drafts.count, next: bonus)
    }

    private static func normalized(_ row: [Float], position: Int) throws -> [Double] {
        var total = 0.0
        var out = [Double](repeating: 0, count: row.count)
        for (i, v) in row.enumerated() {
            guard v.isFinite, v >= 0 else {
                throw GenerationError.invalidDistribution(
                    "the target's distribution at position \(position) has value \(v)")
            }
            out[i] = Double(v)
            total += Double(v)
        }
        guard total > 0 else {
            throw GenerationError.invalidDistribution("the target's distribution at position \(position) has no mass")
        }
        for i in out.indices { out[i] /= total }
        return out
    }
}
