/// Parsing and printing of the quantities a link is described with: durations (`50ms`, `0.5s`, `250us`)
/// and bit rates (`500kbit`, `20mbit`, `1gbit`), in the units `tc netem` uses.
public enum LinkQuantity {
    /// Parses a duration with a unit: `ns`, `us`, `ms` or `s` (decimals allowed: `1.5ms`); a bare `0` is zero.
    public static func duration(_ text: String, name: String = "duration") throws(LinkConfigurationError) -> Duration {
        let trimmed = text.trimmingSpaces().lowercased()
        if trimmed == "0" { return .zero }
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9),
        ]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            let number = String(trimmed.dropLast(suffix.count))
            guard let value = parseDecimal(number) else { break }
            guard value >= 0 else { throw .invalidValue("\(name) must not be negative (got '\(text)')") }
            let nanoseconds = value * scale
            guard nanoseconds < 1e15 else { throw .invalidValue("\(name) '\(text)' is too large") }
            return .nanoseconds(Int64(nanoseconds.rounded()))
        }
        throw .unparsable(
            "\(name): cannot read '\(text)' as a duration; write a number with a unit, such as 50ms, 0.5s or 250us"
        )
    }

    /// Parses a bit rate: `bit`, `kbit`, `mbit` or `gbit` (decimal prefixes, as in `tc`; decimals allowed:
    /// `1.5mbit`). Also accepts `bps`, `kbps`, `mbps`, `gbps` as bits per second. Must be at least 1 bit/s.
    public static func bandwidth(_ text: String, name: String = "bandwidth") throws(LinkConfigurationError) -> Int {
        let trimmed = text.trimmingSpaces().lowercased()
        let units: [(suffix: String, scale: Double)] = [
            ("kbit", 1e3), ("mbit", 1e6), ("gbit", 1e9), ("bit", 1),
            ("kbps", 1e3), ("mbps", 1e6), ("gbps", 1e9), ("bps", 1),
        ]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            let number = String(trimmed.dropLast(suffix.count))
            guard let value = parseDecimal(number) else { break }
            let bits = value * scale
            guard bits >= 1 else { throw .invalidValue("\(name) must be at least 1bit (got '\(text)')") }
            guard bits <= 1e13 else { throw .invalidValue("\(name) '\(text)' is too large") }
            return Int(bits.rounded())
        }
        throw .unparsable(
            "\(name): cannot read '\(text)' as a bit rate; write a number with a unit, such as 500kbit, 20mbit or 1gbit"
        )
    }

    /// `50ms`, `1.5s`, `250us`: the shortest form that reads back to the same value (to the microsecond).
    public static func format(_ duration: Duration) -> String {
        let nanoseconds = nanosecondsOf(duration)
        if nanoseconds == 0 { return "0ms" }
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        if nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)us" }
        return "\(nanoseconds)ns"
    }

    /// `20 Mbit/s`, `1.5 Gbit/s`, `500 kbit/s`.
    public static func format(bitsPerSecond: Int) -> String {
        let steps: [(Double, String)] = [(1e9, "Gbit/s"), (1e6, "Mbit/s"), (1e3, "kbit/s")]
        for (scale, unit) in steps where Double(bitsPerSecond) >= scale {
            return "\(NumberFormat.trimmed(Double(bitsPerSecond) / scale, maxFractionDigits: 3)) \(unit)"
        }
        return "\(bitsPerSecond) bit/s"
    }

    /// The whole duration in nanoseconds (saturating far outside any delay a link uses).
    public static func nanosecondsOf(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled + attoseconds / 1_000_000_000
    }

    /// A plain decimal number: digits with at most one point, an optional leading sign; no exponent.
    private static func parseDecimal(_ text: String) -> Double? {
        guard !text.isEmpty, text.count <= 32 else { return nil }
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard !body.isEmpty, body != ".", body.filter({ $0 == "." }).count <= 1,
            body.allSatisfy({ $0 == "." || ("0"..."9").contains($0) })
        else { return nil }
        return Double(text)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
