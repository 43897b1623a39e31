/// The shapes that tell series apart besides colour, so charts survive greyscale printing and colour
/// blindness.
enum ChartMarker: CaseIterable, Sendable {
    case circle, square, triangleUp, diamond, triangleDown, cross

    /// The marker of the series at `index`; shapes cycle.
    static func forSeries(_ index: Int) -> ChartMarker {
        allCases[index % allCases.count]
    }

    /// One SVG element drawing this marker centred at (x, y) with half-size `r`, in `colour`.
    func element(x: Double, y: Double, r: Double, colour: String) -> String {
        func f(_ v: Double) -> String { NumberFormat.trimmed(v, maxFractionDigits: 2) }
        let fill = "fill=\"\(colour)\" stroke=\"\(colour)\""
        switch self {
        case .circle:
            return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" \(fill)/>"
        case .square:
            let side = r * 1.7
            return "<rect x=\"\(f(x - side / 2))\" y=\"\(f(y - side / 2))\" width=\"\(f(side))\" "
                + "height=\"\(f(side))\" \(fill)/>"
        case .triangleUp:
            return polygon([(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)], fill)
        case .triangleDown:
            return polygon([(x, y + r * 1.2), (x + r * 1.1, y - r * 0.8), (x - r * 1.1, y - r * 0.8)], fill)
        case .diamond:
            return polygon([(x, y - r * 1.3), (x + r * 1.3, y), (x, y + r * 1.3), (x - r * 1.3, y)], fill)
        case .cross:
            let d = r * 1.1
            return "<path d=\"M\(f(x - d)) \(f(y - d))L\(f(x + d)) \(f(y + d))M\(f(x - d)) \(f(y + d))"
                + "L\(f(x + d)) \(f(y - d))\" stroke=\"\(colour)\" stroke-width=\"2\" fill=\"none\"/>"
        }
    }

    private func polygon(_ corners: [(Double, Double)], _ fill: String) -> String {
        let points = corners.map {
            "\(NumberFormat.trimmed($0.0, maxFractionDigits: 2)),\(NumberFormat.trimmed($0.1, maxFractionDigits: 2))"
        }
        return "<polygon points=\"\(points.joined(separator: " "))\" \(fill)/>"
    }
}
