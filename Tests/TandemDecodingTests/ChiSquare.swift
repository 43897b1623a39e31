import Foundation

/// Pearson's chi-square goodness-of-fit against exact expected probabilities.
struct ChiSquare {
    let statistic: Double
    let degreesOfFreedom: Int
    /// Cells observed although their expected probability is 0 (an immediate failure).
    let impossibleObserved: Int

    /// Cells with expected count below 5 are pooled into one bin (with the smallest remaining cells
    /// until it reaches 5), as the chi-square approximation needs.
    init(observed: [Int: Int], probabilities: [Int: Double], samples: Int) {
        impossibleObserved = observed.filter { (probabilities[$0.key] ?? 0) <= 0 }.values.reduce(0, +)
        var cells = probabilities.filter { $0.value > 0 }.map { (key: $0.key, expected: $0.value * Double(samples)) }
        cells.sort { $0.expected < $1.expected }
        var bins: [(observed: Double, expected: Double)] = []
        var pooled = (observed: 0.0, expected: 0.0)
        for cell in cells {
            let o = Double(observed[cell.key] ?? 0)
            if pooled.expected < 5 {
                pooled.observed += o
                pooled.expected += cell.expected
            } else {
                bins.append((o, cell.expected))
            }
        }
        if pooled.expected > 0 { bins.append(pooled) }
        statistic = bins.reduce(0) { $0 + ($1.observed - $1.expected) * ($1.observed - $1.expected) / $1.expected }
        degreesOfFreedom = max(bins.count - 1, 1)
    }

    /// The upper 0.001 quantile of chi-square with `degreesOfFreedom`, by the Wilson–Hilferty
    /// approximation (within about 1% of the exact quantile for df ≥ 3).
    var criticalValue: Double {
        let df = Double(degreesOfFreedom)
        let z = 3.090_232  // standard normal upper 0.001 quantile
        let c = 2 / (9 * df)
        return df * pow(1 - c + z * c.squareRoot(), 3)
    }

    var rejectsAtOnePerMille: Bool { impossibleObserved > 0 || statistic > criticalValue }
}
