import Testing

@testable import TandemBench

@Suite struct MarkdownTableTests {
    @Test func rendersAlignedColumns() {
        var table = MarkdownTable(headers: ["policy", "rtt ms", "tok/s"], alignments: [.left, .right, .center])
        table.addRow(["fixed(4)", "50", "31.3"])
        table.addRow(["doubling", "5", "7"])
        let expected = """
            | policy   | rtt ms | tok/s |
            | -------- | -----: | :---: |
            | fixed(4) |     50 | 31.3  |
            | doubling |      5 |   7   |

            """
        #expect(table.render() == expected)
    }

    @Test func escapesPipesAndLineBreaksAndPadsShortRows() {
        var table = MarkdownTable(headers: ["a", "b"])
        table.addRow(["x|y"])
        table.addRow(["line\nbreak", "z", "extra"])
        let lines = table.render().split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[2].hasPrefix("| x\\|y "))
        #expect(lines[3].contains("line<br>break"))
        #expect(lines[3].contains("extra"))
        // Every line has the same number of unescaped separators: the table stays rectangular.
        let separators = lines.map { line in
            var count = 0
            var previous: Character = " "
            for character in line {
                if character == "|" && previous != "\\" { count += 1 }
                previous = character
            }
            return count
        }
        #expect(Set(separators).count == 1)
        #expect(separators.first == 4)
    }

    @Test func numberFormatting() {
        #expect(NumberFormat.fixed(3.14159, digits: 2) == "3.14")
        #expect(NumberFormat.fixed(2.5, digits: 0) == "3")
        #expect(NumberFormat.fixed(-1.005, digits: 1) == "-1.0")
        #expect(NumberFormat.fixed(-0.001, digits: 2) == "0.00")
        #expect(NumberFormat.fixed(0.05, digits: 3) == "0.050")
        #expect(NumberFormat.fixed(.nan, digits: 2) == "nan")
        #expect(NumberFormat.fixed(-.infinity, digits: 2) == "-inf")
        #expect(NumberFormat.trimmed(2.50, maxFractionDigits: 3) == "2.5")
        #expect(NumberFormat.trimmed(3.0, maxFractionDigits: 3) == "3")
        #expect(NumberFormat.trimmed(1200, maxFractionDigits: 2) == "1200")
        #expect(NumberFormat.percent(0.734) == "73.4%")
        #expect(NumberFormat.grouped(1_234_567) == "1,234,567")
        #expect(NumberFormat.grouped(-999) == "-999")
        #expect(NumberFormat.bytes(512) == "512 B")
        #expect(NumberFormat.bytes(1536) == "1.5 KiB")
        #expect(NumberFormat.bytes(3_500_000) == "3.34 MiB")
    }
}
