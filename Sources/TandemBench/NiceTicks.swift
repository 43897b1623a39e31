import Foundation

/// Axis ticks at round numbers: steps of 1, 2 or 5 times a power of ten on linear axes, powers of ten
/// (with 2 and 5 between them when the range is short) on log axes.
public struct NiceTicks: Sendable, Hashable {
    /// Tick positions in data units, ascending; the first and last enclose the data.
    public var values: [Double]
    /// Distance between linear ticks (for log axes, the decade step 10).
    public var step: Double
    /// Fraction digits that print every tick exactly.
    public var fractionDigits: Int

    /// About `target` ticks enclosing `lower...upper` (Heckbert's "nice numbers"). A degenerate or
    /// non-finite range is widened to something drawable.
    public static func linear(_ lower: Double, _ upper: Double, target: Int = 6) -> NiceTicks {
        var (low, high) = finiteRange(lower, upper)
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = niceNumber((high - low) / Double(max(target - 1, 1)), round: true)
        let first = (low / step).rounded(.down)
        let last = (high / step).rounded(.up)
        let count = Int(last - first) + 1
        // Multiplying the index (not adding steps) keeps 0.1 · 3 from drifting to 0.30000000000000004.
        let values = (0..<count).map { clean((first + Double($0)) * step, step: step) }
        let digits = max(0, -Int((log10Exact(step)).rounded(.down)))
        return NiceTicks(values: values, step: step, fractionDigits: digits)
    }

    /// Ticks for a log axis enclosing `lower...upper` (both must be positive; others are clamped to a
    /// tiny positive value): every power of ten, plus 2× and 5× when the data spans under two decades.
    public static func logarithmic(_ lower: Double, _ upper: Double) -> NiceTicks {
        var (low, high) = finiteRange(lower, upper)
        low = max(low, 1e-12)
        high = max(high, low)
        let firstDecade = Int(log10Exact(low).rounded(.down))
        var lastDecade = Int(log10Exact(high).rounded(.up))
        if lastDecade == firstDecade { lastDecade += 1 }
        let multipliers: [Double] = lastDecade - firstDecade <= 2 ? [1, 2, 5] : [1]
        var values: [Double] = []
        for decade in firstDecade...lastDecade {
            for m in multipliers {
                let value = m * power10(decade)
                if decade == lastDecade && m > 1 { break }
                values.append(value)
            }
        }
        // Trim ticks wholly outside the data, keeping one on each side so the data stays enclosed.
        while values.count > 2, values[1] <= low { values.removeFirst() }
        while values.count > 2, values[values.count - 2] >= high { values.removeLast() }
        let digits = max(0, -firstDecade)
        return NiceTicks(values: values, step: 10, fractionDigits: digits)
    }

    /// The tick written for reading: `0.5`, `20`, `1000`, no float noise.
    public func label(_ value: Double) -> String {
        NumberFormat.trimmed(value, maxFractionDigits: fractionDigits)
    }

    /// 1, 2, 5 or 10 times a power of ten, near `value` (`round`) or at least `value`.
    static func niceNumber(_ value: Double, round: Bool) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let exponent = Int(log10Exact(value).rounded(.down))
        let base = power10(exponent)
        let fraction = value / base
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * base
    }

    /// 10^exponent, exact for the powers a chart uses.
    static func power10(_ exponent: Int) -> Double {
        var result = 1.0
        if exponent >= 0 {
            for _ in 0..<exponent { result *= 10 }
        } else {
            for _ in 0..<(-exponent) { result /= 10 }
        }
        return result
    }

    /// log10, snapped so exact powers of ten give whole numbers.
    static func log10Exact(_ value: Double) -> Double {
        let estimate = log10(value)
        let nearest = estimate.rounded()
        if abs(estimate - nearest) < 1e-9 { return nearest }
        return estimate
    }

    private static func clean(_ value: Double, step: Double) -> Double {
        // Snap values within float noise of a step multiple (and of zero) to the exact decimal.
        let digits = max(0, -Int(log10Exact(step).rounded(.down))) + 1
        let scale = power10(digits)
        let snapped = (value * scale).rounded() / scale
        return snapped == 0 ? 0 : snapped
    }

    private static func finiteRange(_ lower: Double, _ upper: Double) -> (Double, Double) {
        let low = lower.isFinite ? lower : 0
        let high = upper.isFinite ? upper : 1
        return (min(low, high), max(low, high))
    }
}
