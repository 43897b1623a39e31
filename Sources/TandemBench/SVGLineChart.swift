import Foundation

/// A line chart written as a standalone SVG document: title, axis labels, nice ticks with a light grid,
/// one line per series with distinct colours and markers, and a legend. No plotting library involved.
///
/// ```swift
/// var chart = SVGLineChart(title: "Acceptance vs window", xLabel: "window k", yLabel: "acceptance")
/// chart.addSeries("greedy", points: [(1, 0.81), (2, 0.74), (4, 0.66), (8, 0.52)])
/// chart.logX = true
/// try chart.render().write(toFile: "bench/results/acceptance.svg", atomically: true, encoding: .utf8)
/// ```
public struct SVGLineChart: Sendable, Hashable {
    /// One data point.
    public struct Point: Sendable, Hashable {
        public var x: Double
        public var y: Double

        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// A named line.
    public struct Series: Sendable, Hashable {
        public var name: String
        public var points: [Point]
        /// The palette entry to draw in; nil takes the series' own index, so related lines (a policy
        /// and its proactive variant) can share a colour and differ by ``dashed``.
        public var colourIndex: Int?
        /// Drawn dashed (for a variant of another series in the same colour).
        public var dashed: Bool

        public init(name: String, points: [Point], colourIndex: Int? = nil, dashed: Bool = false) {
            self.name = name
            self.points = points
            self.colourIndex = colourIndex
            self.dashed = dashed
        }
    }

    /// A horizontal, labelled line for a figure that does not vary along x (a baseline such as the
    /// draft alone, or another program's tokens/s). A value far above the lines (more than
    /// ``offScaleFactor`` times their highest point) does not stretch the axis: it is drawn as a
    /// labelled arrow at the top edge with its value, so the lines keep their resolution.
    public struct ReferenceLine: Sendable, Hashable {
        public var name: String
        public var y: Double

        public init(name: String, y: Double) {
            self.name = name
            self.y = y
        }
    }

    /// How far above the highest series point a reference line may sit and still set the y axis.
    public static let offScaleFactor = 1.5

    /// Heading above the plot.
    public var title: String
    /// Caption under the x axis.
    public var xLabel: String
    /// Caption beside the y axis.
    public var yLabel: String
    /// The lines, drawn in order; each gets the next colour (unless it names one) and marker.
    public var series: [Series]
    /// Horizontal reference lines, drawn grey and dashed with their name and value.
    public var references: [ReferenceLine] = []
    /// A logarithmic x axis; points with x ≤ 0 cannot be placed on it and are left out.
    public var logX: Bool
    /// Start the y axis at zero (or end it there for negative data) so heights compare honestly.
    public var yIncludesZero: Bool
    /// Explicit x ticks (for example the window sizes swept); nil picks nice ones.
    public var xTickValues: [Double]?
    /// Size of the drawing in pixels (at least 240 × 180).
    public var width: Int
    public var height: Int

    /// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), then darker
    /// shades of the same hues, so up to 14 lines get a colour of their own.
    static let palette = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
        "#003F63", "#7A3600", "#00573F", "#7D4064", "#8A5F00", "#2A6F94", "#767676",
    ]

    /// An empty chart; add lines with ``addSeries(_:points:)``.
    public init(
        title: String, xLabel: String, yLabel: String, series: [Series] = [], logX: Bool = false,
        yIncludesZero: Bool = true, xTickValues: [Double]? = nil, width: Int = 720, height: Int = 440
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logX = logX
        self.yIncludesZero = yIncludesZero
        self.xTickValues = xTickValues
        self.width = width
        self.height = height
    }

    /// Appends a line through `points` (drawn in order of x), in palette entry `colourIndex` (its own
    /// index when nil), dashed or solid.
    public mutating func addSeries(
        _ name: String, points: [(x: Double, y: Double)], colourIndex: Int? = nil, dashed: Bool = false
    ) {
        series.append(
            Series(
                name: name, points: points.map { Point(x: $0.x, y: $0.y) }, colourIndex: colourIndex, dashed: dashed))
    }

    /// Appends a horizontal reference line at `y`.
    public mutating func addReference(_ name: String, y: Double) {
        references.append(ReferenceLine(name: name, y: y))
    }

    /// The colour of the series at `index`.
    func colour(of index: Int) -> String {
        let entry = series[index].colourIndex ?? index
        return Self.palette[((entry % Self.palette.count) + Self.palette.count) % Self.palette.count]
    }

    /// The chart as a complete SVG document.
    public func render() -> String {
        let frame = ChartFrame(chart: self)
        var svg: [String] = []
        let w = frame.width
        let h = frame.height
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        svg.append(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" "
                + "viewBox=\"0 0 \(w) \(h)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">")
        svg.append("<title>\(XMLText.escape(title))</title>")
        svg.append("<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>")
        svg.append(
            "<text x=\"\(f(Double(w) / 2))\" y=\"26\" text-anchor=\"middle\" font-size=\"16\" "
                + "font-weight=\"bold\">\(XMLText.escape(title))</text>")

        // Grid and tick labels.
        svg.append("<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">")
        for tick in frame.xTicks.values {
            let x = frame.pixelX(tick)
            svg.append("<line x1=\"\(f(x))\" y1=\"\(f(frame.top))\" x2=\"\(f(x))\" y2=\"\(f(frame.bottom))\"/>")
        }
        for tick in frame.yTicks.values {
            let y = frame.pixelY(tick)
            svg.append("<line x1=\"\(f(frame.left))\" y1=\"\(f(y))\" x2=\"\(f(frame.right))\" y2=\"\(f(y))\"/>")
        }
        svg.append("</g>")
        svg.append("<g class=\"x-ticks\" text-anchor=\"middle\">")
        for tick in frame.xTicks.values {
            svg.append(
                "<text x=\"\(f(frame.pixelX(tick)))\" y=\"\(f(frame.bottom + 18))\">"
                    + "\(XMLText.escape(frame.xTicks.label(tick)))</text>")
        }
        svg.append("</g>")
        svg.append("<g class=\"y-ticks\" text-anchor=\"end\">")
        for tick in frame.yTicks.values {
            svg.append(
                "<text x=\"\(f(frame.left - 8))\" y=\"\(f(frame.pixelY(tick) + 4))\">"
                    + "\(XMLText.escape(frame.yTicks.label(tick)))</text>")
        }
        svg.append("</g>")

        // Axes and captions.
        svg.append(
            "<path class=\"axes\" d=\"M\(f(frame.left)) \(f(frame.top))V\(f(frame.bottom))H\(f(frame.right))\" "
                + "stroke=\"#333333\" stroke-width=\"1\" fill=\"none\"/>")
        svg.append(
            "<text x=\"\(f((frame.left + frame.right) / 2))\" y=\"\(f(Double(h) - 12))\" "
                + "text-anchor=\"middle\">\(XMLText.escape(xLabel + (logX ? " (log scale)" : "")))</text>")
        let yCaptionY = (frame.top + frame.bottom) / 2
        svg.append(
            "<text x=\"18\" y=\"\(f(yCaptionY))\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 18 \(f(yCaptionY)))\">\(XMLText.escape(yLabel))</text>")

        // Lines and markers, clipped to the plot area.
        svg.append(
            "<clipPath id=\"plot-area\"><rect x=\"\(f(frame.left - 6))\" y=\"\(f(frame.top - 6))\" "
                + "width=\"\(f(frame.right - frame.left + 12))\" height=\"\(f(frame.bottom - frame.top + 12))\"/>"
                + "</clipPath>")
        for (index, line) in series.enumerated() {
            let colour = self.colour(of: index)
            let marker = ChartMarker.forSeries(index)
            let pixels = frame.placed(line.points).map { (frame.pixelX($0.x), frame.pixelY($0.y)) }
            let points = pixels.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
            svg.append("<g class=\"series\" clip-path=\"url(#plot-area)\">")
            svg.append(
                "<polyline data-series=\"\(XMLText.escape(line.name))\" points=\"\(points)\" fill=\"none\" "
                    + "stroke=\"\(colour)\" stroke-width=\"2\" stroke-linejoin=\"round\"\(dash(line))/>")
            for (x, y) in pixels {
                svg.append(marker.element(x: x, y: y, r: 3.5, colour: colour))
            }
            svg.append("</g>")
        }

        // Reference lines: in place when on the axis, else an arrow and the value at the top edge.
        if !references.isEmpty {
            svg.append("<g class=\"references\" fill=\"#555555\">")
            var offScaleRow = 0
            for reference in references where reference.y.isFinite {
                let name = XMLText.escape(reference.name)
                let value = XMLText.escape(NumberFormat.trimmed(reference.y, maxFractionDigits: 2))
                if frame.yRange.contains(reference.y) {
                    let y = frame.pixelY(reference.y)
                    svg.append(
                        "<line data-reference=\"\(name)\" x1=\"\(f(frame.left))\" y1=\"\(f(y))\" "
                            + "x2=\"\(f(frame.right))\" y2=\"\(f(y))\" stroke=\"#555555\" stroke-width=\"1.5\" "
                            + "stroke-dasharray=\"2 4\"/>")
                    svg.append("<text x=\"\(f(frame.left + 6))\" y=\"\(f(y - 4))\">\(name): \(value)</text>")
                } else {
                    let above = reference.y > frame.yRange.upperBound
                    let y = above ? frame.top + 12 + Double(offScaleRow) * 14 : frame.bottom - 6
                    offScaleRow += above ? 1 : 0
                    svg.append(
                        "<text data-reference=\"\(name)\" x=\"\(f(frame.right - 6))\" y=\"\(f(y))\" "
                            + "text-anchor=\"end\">\(above ? "↑" : "↓") \(name): \(value) (off scale)</text>")
                }
            }
            svg.append("</g>")
        }

        // Legend, to the right of the plot.
        svg.append("<g class=\"legend\">")
        for (index, line) in series.enumerated() {
            let colour = self.colour(of: index)
            let y = frame.top + 8 + Double(index) * 20
            let x = frame.right + 16
            svg.append(
                "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 24))\" y2=\"\(f(y))\" stroke=\"\(colour)\" "
                    + "stroke-width=\"2\"\(dash(line))/>")
            svg.append(ChartMarker.forSeries(index).element(x: x + 12, y: y, r: 3.5, colour: colour))
            svg.append("<text x=\"\(f(x + 30))\" y=\"\(f(y + 4))\">\(XMLText.escape(line.name))</text>")
        }
        svg.append("</g>")
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private func f(_ value: Double) -> String { NumberFormat.trimmed(value, maxFractionDigits: 2) }

    private func dash(_ line: Series) -> String { line.dashed ? " stroke-dasharray=\"6 4\"" : "" }
}
