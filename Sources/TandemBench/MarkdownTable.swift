/// A GitHub-flavoured Markdown table, padded so it also reads well as plain text.
///
/// ```swift
/// var table = MarkdownTable(headers: ["policy", "rtt ms", "tokens/s"], alignments: [.left, .right, .right])
/// table.addRow(["fixed(4)", "50", NumberFormat.fixed(31.25, digits: 1)])
/// print(table.render())
/// ```
public struct MarkdownTable: Sendable, Hashable {
    /// How a column's cells line up.
    public enum Alignment: Sendable, Hashable {
        case left, center, right
    }

    /// Column titles.
    public var headers: [String]
    /// One alignment per column; columns without one are left-aligned.
    public var alignments: [Alignment]
    /// Cells, row by row; short rows are padded with empty cells, long rows add untitled columns.
    public var rows: [[String]]

    /// A table with the given column titles and no rows.
    public init(headers: [String], alignments: [Alignment] = [], rows: [[String]] = []) {
        self.headers = headers
        self.alignments = alignments
        self.rows = rows
    }

    /// Appends a row of cells.
    public mutating func addRow(_ cells: [String]) {
        rows.append(cells)
    }

    /// The table as Markdown, one line per row, ending with a newline. Pipes and line breaks inside cells
    /// are escaped so they cannot break the table.
    public func render() -> String {
        let columnCount = max(headers.count, rows.map(\.count).max() ?? 0, 1)
        func cells(_ row: [String]) -> [String] {
            (0..<columnCount).map { $0 < row.count ? Self.escape(row[$0]) : "" }
        }
        let head = cells(headers)
        let body = rows.map(cells)
        let aligns = (0..<columnCount).map { $0 < alignments.count ? alignments[$0] : .left }
        // Three characters is the narrowest delimiter cell that still carries an alignment (":-:").
        let widths = (0..<columnCount).map { column in
            max(3, ([head] + body).map { $0[column].count }.max() ?? 0)
        }

        func line(_ row: [String]) -> String {
            let padded = (0..<columnCount).map { Self.pad(row[$0], to: widths[$0], aligns[$0]) }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        let delimiter = (0..<columnCount).map { column -> String in
            let width = widths[column]
            switch aligns[column] {
            case .left: return String(repeating: "-", count: width)
            case .right: return String(repeating: "-", count: width - 1) + ":"
            case .center: return ":" + String(repeating: "-", count: width - 2) + ":"
            }
        }
        var lines = [line(head), "| " + delimiter.joined(separator: " | ") + " |"]
        lines += body.map(line)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func escape(_ cell: String) -> String {
        var out = ""
        for character in cell {
            switch character {
            case "|": out += "\\|"
            case "\n", "\r\n", "\r": out += "<br>"
            default: out.append(character)
            }
        }
        return out
    }

    private static func pad(_ text: String, to width: Int, _ alignment: Alignment) -> String {
        let gap = max(0, width - text.count)
        switch alignment {
        case .left: return text + String(repeating: " ", count: gap)
        case .right: return String(repeating: " ", count: gap) + text
        case .center:
            return String(repeating: " ", count: gap / 2) + text + String(repeating: " ", count: gap - gap / 2)
        }
    }
}
