/// Replaces one `## ` section of a Markdown document, keeping the others (several commands write
/// their own sections of one results file, e.g. bench/results/real-models.md).
public enum MarkdownSection {
    /// `document` with the section that starts at the line `heading` (up to the next `## ` line or
    /// the end) replaced by `section`; `section` is appended when there is no such heading.
    public static func replacing(_ heading: String, in document: String, with section: String) -> String {
        var lines = document.components(separatedBy: "\n")
        let replacement = section.hasSuffix("\n") ? String(section.dropLast()) : section
        guard let start = lines.firstIndex(of: heading) else {
            while lines.last == "" { lines.removeLast() }
            return (lines + ["", replacement, ""]).joined(separator: "\n")
        }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.count
        var replacementLines = replacement.components(separatedBy: "\n")
        if end < lines.count { replacementLines.append("") }
        lines.replaceSubrange(start..<end, with: replacementLines)
        var text = lines.joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }
}
