import Foundation
import Testing

@testable import TandemBench

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects what the tests look at while XMLParser walks the document.
private final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [(group: String?, text: String)] = []
    private var groups: [String?] = []
    private var currentText = ""
    private var inText = false

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements.append((name, attributes))
        if name == "g" { groups.append(attributes["class"]) }
        if name == "text" {
            inText = true
            currentText = ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { currentText += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "g" { groups.removeLast() }
        if name == "text" {
            texts.append((groups.last ?? nil, currentText))
            inText = false
        }
    }
}

@Suite struct SVGLineChartTests {
    private func parse(_ svg: String) throws -> SVGCollector {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = SVGCollector()
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "not well-formed XML: \(String(describing: parser.parserError))")
        return collector
    }

    private func pixels(_ polyline: [String: String]) -> [(Double, Double)] {
        (polyline["points"] ?? "").split(separator: " ").compactMap { pair in
            let parts = pair.split(separator: ",")
            guard parts.count == 2, let x = Double(parts[0]), let y = Double(parts[1]) else { return nil }
            return (x, y)
        }
    }

    private var sample: SVGLineChart {
        var chart = SVGLineChart(
            title: "Tokens/s vs RTT <policy & link>", xLabel: "RTT (ms)", yLabel: "tokens/s")
        chart.addSeries("fixed(4)", points: [(0, 41.5), (20, 30.1), (50, 22.4), (100, 14.2), (200, 8.3)])
        chart.addSeries("doubling \"k\"", points: [(200, 9.1), (0, 40.0), (100, 15.8), (50, 25.0)])  // unsorted
        chart.addSeries("cost-model", points: [(0, 42.0), (50, 27.5), (200, 11.0)])
        return chart
    }

    @Test func isWellFormedWithOneLinePerSeries() throws {
        let chart = sample
        let svg = chart.render()
        let doc = try parse(svg)
        #expect(doc.elements.first?.name == "svg")
        #expect(doc.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        let lines = doc.elements.filter { $0.name == "polyline" }
        #expect(lines.count == 3)
        #expect(lines.map { $0.attributes["data-series"] } == ["fixed(4)", "doubling \"k\"", "cost-model"])
        #expect(Set(lines.compactMap { $0.attributes["stroke"] }).count == 3, "series share a colour")
        #expect(doc.texts.contains { $0.text == "Tokens/s vs RTT <policy & link>" })
        #expect(doc.texts.contains { $0.group == "legend" && $0.text == "doubling \"k\"" })
        #expect(!svg.contains("<policy"))
    }

    @Test func pixelXFollowsDataX() throws {
        let chart = sample
        let doc = try parse(chart.render())
        let lines = doc.elements.filter { $0.name == "polyline" }
        for (line, series) in zip(lines, chart.series) {
            let placed = pixels(line.attributes)
            #expect(placed.count == series.points.count)
            let xs = series.points.map(\.x).sorted()
            for index in placed.indices.dropFirst() {
                #expect(placed[index].0 > placed[index - 1].0)
            }
            // Pixel x is affine in data x: equal data steps, equal pixel steps.
            let scale = (placed.last!.0 - placed.first!.0) / (xs.last! - xs.first!)
            for (pixel, x) in zip(placed, xs) {
                #expect(abs(pixel.0 - (placed.first!.0 + (x - xs.first!) * scale)) < 0.02)
            }
        }
        // Higher values sit higher on the page (smaller pixel y).
        let first = pixels(lines[0].attributes)
        #expect(first[0].1 < first[4].1)
    }

    @Test func tickLabelsAreNiceNumbers() throws {
        let doc = try parse(sample.render())
        for group in ["x-ticks", "y-ticks"] {
            let labels = doc.texts.filter { $0.group == group }.map(\.text)
            #expect(labels.count >= 3)
            let values = labels.compactMap(Double.init)
            #expect(values.count == labels.count, "unreadable tick labels \(labels)")
            let steps = zip(values.dropFirst(), values).map { $0 - $1 }
            let step = try #require(steps.first)
            #expect(steps.allSatisfy { abs($0 - step) < 1e-9 }, "uneven ticks \(labels)")
            #expect(isNice(step), "step \(step) is not 1, 2 or 5 times a power of ten")
            #expect(values.allSatisfy { isMultiple($0, of: step) })
        }
    }

    @Test(arguments: [(0.0, 0.83), (0.1, 0.3), (3.0, 97.0), (-12.0, 7.5), (1234.0, 98765.0), (0.0, 1e-3), (5.0, 5.0)])
    func linearTicksEncloseTheDataAtNiceSteps(_ range: (Double, Double)) {
        let ticks = NiceTicks.linear(range.0, range.1)
        #expect(ticks.values.count >= 3 && ticks.values.count <= 12)
        #expect(ticks.values.first! <= range.0 && ticks.values.last! >= range.1)
        #expect(isNice(ticks.step))
        for value in ticks.values {
            #expect(isMultiple(value, of: ticks.step))
            let label = ticks.label(value)
            #expect(Double(label) == value, "label \(label) for \(value)")
            #expect(label.count <= 8)
        }
    }

    @Test func logTicksArePowersOfTenAndTheirHalves() {
        #expect(NiceTicks.logarithmic(1, 16).values == [1, 2, 5, 10, 20])
        #expect(NiceTicks.logarithmic(0.5, 2000).values == [0.1, 1, 10, 100, 1000, 10000])
        let ticks = NiceTicks.logarithmic(0.5, 2000)
        #expect(ticks.values.map(ticks.label) == ["0.1", "1", "10", "100", "1000", "10000"])
    }

    @Test func logXSpacesDecadesEvenlyAndDropsNonPositiveX() throws {
        var chart = SVGLineChart(title: "Acceptance vs window", xLabel: "window", yLabel: "acceptance", logX: true)
        chart.addSeries("greedy", points: [(0, 0.9), (1, 0.8), (2, 0.7), (4, 0.6), (8, 0.5), (16, 0.4)])
        chart.xTickValues = [1, 2, 4, 8, 16]
        let doc = try parse(chart.render())
        let line = try #require(doc.elements.first { $0.name == "polyline" })
        let placed = pixels(line.attributes)
        #expect(placed.count == 5)
        let gaps = zip(placed.dropFirst(), placed).map { $0.0 - $1.0 }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 0.02 }, "doublings should be evenly spaced: \(gaps)")
        #expect(doc.texts.filter { $0.group == "x-ticks" }.map(\.text) == ["1", "2", "4", "8", "16"])
    }

    @Test func emptyAndDegenerateChartsStillRender() throws {
        let empty = SVGLineChart(title: "nothing yet", xLabel: "x", yLabel: "y")
        #expect(try parse(empty.render()).elements.filter { $0.name == "polyline" }.isEmpty)
        var single = SVGLineChart(title: "one point", xLabel: "x", yLabel: "y", width: 10, height: 10)
        single.addSeries("only\u{07}bell", points: [(3, 3), (.nan, 1), (4, .infinity)])
        let doc = try parse(single.render())
        let line = try #require(doc.elements.first { $0.name == "polyline" })
        #expect(pixels(line.attributes).count == 1)
        #expect(doc.elements.first?.attributes["width"] == "240")
    }

    @Test func seriesGetDistinctMarkers() throws {
        var chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y")
        for index in 0..<6 {
            chart.addSeries("s\(index)", points: [(1, Double(index))])
        }
        let doc = try parse(chart.render())
        // Markers follow each polyline inside its group; the first element after it names the shape.
        var shapes: [String] = []
        for (index, element) in doc.elements.enumerated() where element.name == "polyline" {
            let marker = doc.elements[index + 1]
            let kind =
                marker.name == "polygon"
                ? "polygon:\(marker.attributes["points"]?.split(separator: " ").count ?? 0)" : marker.name
            shapes.append(kind)
        }
        #expect(shapes.count == 6)
        #expect(Set(shapes).count >= 4)  // circle, rect, path and polygons of 3 and 4 corners
    }

    private func isNice(_ step: Double) -> Bool {
        guard step > 0 else { return false }
        var mantissa = step
        while mantissa >= 10 { mantissa /= 10 }
        while mantissa < 1 { mantissa *= 10 }
        return [1.0, 2.0, 5.0].contains { abs(mantissa - $0) < 1e-9 }
    }

    private func isMultiple(_ value: Double, of step: Double) -> Bool {
        let ratio = value / step
        return abs(ratio - ratio.rounded()) < 1e-9
    }
}
