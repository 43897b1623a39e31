/// Locale-independent number formatting for reports: the same digits on every machine.
public enum NumberFormat {
    /// `value` rounded to exactly `digits` fraction digits: `fixed(3.14159, digits: 2)` is `3.14`.
    /// Non-finite values print as `nan`, `inf`, `-inf`; negative zero prints as `0`.
    public static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let digits = max(0, min(digits, 12))
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return "\(value)" }  // beyond exact integers: fall back to Swift's form
        let units = UInt64(scaled)
        let integerPart = units / UInt64(scale)
        var text = String(integerPart)
        if digits > 0 {
            let fraction = String(units % UInt64(scale))
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return (value < 0 && units != 0 ? "-" : "") + text
    }

    /// `value` with at most `maxFractionDigits` fraction digits and no trailing zeros: `2.50` → `2.5`, `3.0` → `3`.
    public static func trimmed(_ value: Double, maxFractionDigits: Int) -> String {
        var text = fixed(value, digits: maxFractionDigits)
        guard text.contains("."), value.isFinite else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// A fraction as a percentage: `percent(0.734)` is `73.4%`.
    public static func percent(_ fraction: Double, digits: Int = 1) -> String {
        fixed(fraction * 100, digits: digits) + "%"
    }

    /// An integer with thin grouping for reading: `grouped(1234567)` is `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// A byte count with a binary unit: `1536` → `1.5 KiB`, `3_500_000` → `3.34 MiB`.
    public static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\(trimmed(value, maxFractionDigits: 2)) \(units[unit])"
    }
}
