import Foundation

/// Where things go on the canvas: margins, data ranges and the mapping from data to pixels.
struct ChartFrame {
    let width: Int
    let height: Int
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double
    let logX: Bool
    let xTicks: NiceTicks
    let yTicks: NiceTicks
    /// Data range shown (in log10 units on a log axis).
    let xRange: ClosedRange<Double>
    let yRange: ClosedRange<Double>

    init(chart: SVGLineChart) {
        width = max(chart.width, 240)
        height = max(chart.height, 180)
        logX = chart.logX
        let placed = chart.series.flatMap { Self.placeable($0.points, logX: chart.logX) }
        let xs = placed.map(\.x)
        // Reference lines set the y axis only when near the lines (an off-scale one is labelled instead).
        let highest = placed.map(\.y).max()
        let onScale = chart.references.map(\.y).filter { y in
            guard y.isFinite else { return false }
            guard let highest, highest > 0 else { return true }
            return y <= highest * SVGLineChart.offScaleFactor
        }
        let ys = placed.map(\.y) + onScale

        if let explicit = chart.xTickValues?.filter({ $0.isFinite && (!chart.logX || $0 > 0) }).sorted(),
            !explicit.isEmpty
        {
            let digits =
                explicit.map { value -> Int in
                    var digits = 0
                    while digits < 6, value * NiceTicks.power10(digits) != (value * NiceTicks.power10(digits)).rounded()
                    {
                        digits += 1
                    }
                    return digits
                }.max() ?? 0
            xTicks = NiceTicks(values: explicit, step: 0, fractionDigits: digits)
        } else if chart.logX {
            xTicks = NiceTicks.logarithmic(xs.min() ?? 1, xs.max() ?? 10)
        } else {
            xTicks = NiceTicks.linear(xs.min() ?? 0, xs.max() ?? 1)
        }
        var yLow = ys.min() ?? 0
        var yHigh = ys.max() ?? 1
        if chart.yIncludesZero {
            yLow = min(yLow, 0)
            yHigh = max(yHigh, 0)
        }
        yTicks = NiceTicks.linear(yLow, yHigh)

        let xValues = xTicks.values + xs
        func axis(_ value: Double) -> Double { chart.logX ? log10(value) : value }
        var xLow = axis(xValues.min() ?? 0)
        var xHigh = axis(xValues.max() ?? 1)
        if xLow == xHigh {
            xLow -= 1
            xHigh += 1
        }
        xRange = xLow...xHigh
        yRange = (yTicks.values.first ?? 0)...(yTicks.values.last ?? 1)

        let longestName = chart.series.map(\.name.count).max() ?? 0
        let legendWidth = chart.series.isEmpty ? 20.0 : Double(min(longestName, 40)) * 7 + 60
        left = 72
        right = max(Double(width) - legendWidth, left + 60)
        top = 44
        bottom = Double(height) - 52
    }

    /// Points that can be drawn (finite, and x > 0 on a log axis), in order of x.
    func placed(_ points: [SVGLineChart.Point]) -> [SVGLineChart.Point] {
        Self.placeable(points, logX: logX)
    }

    private static func placeable(_ points: [SVGLineChart.Point], logX: Bool) -> [SVGLineChart.Point] {
        points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }.sorted { $0.x < $1.x }
    }

    func pixelX(_ x: Double) -> Double {
        let value = logX ? log10(x) : x
        return left + (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (right - left)
    }

    func pixelY(_ y: Double) -> Double {
        let span = yRange.upperBound - yRange.lowerBound
        return bottom - (y - yRange.lowerBound) / (span == 0 ? 1 : span) * (bottom - top)
    }
}
