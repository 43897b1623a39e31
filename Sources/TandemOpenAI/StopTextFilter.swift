/// Applies stop strings to streamed text the way OpenAI servers do: the text up to the first stop
/// string is released, the stop string and everything after it never are, and a tail that could still
/// become a stop string is held back until the next piece decides it.
///
/// ```swift
/// var filter = StopTextFilter(["\n\n"])
/// filter.feed("Hello\n")   // "Hello" (the "\n" may start a stop string)
/// filter.feed("\nWorld")   // "" and `stopped`
/// ```
public struct StopTextFilter: Sendable {
    public let stops: [[Unicode.Scalar]]
    private var held: [Unicode.Scalar] = []
    /// A stop string was seen; nothing more is released.
    public private(set) var stopped = false

    public init(_ stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.unicodeScalars) }
    }

    /// Adds `text`; returns what can be released now.
    public mutating func feed(_ text: String) -> String {
        guard !stopped else { return "" }
        held.append(contentsOf: text.unicodeScalars)
        if let cut = firstStop() {
            stopped = true
            let out = String(String.UnicodeScalarView(held[..<cut]))
            held.removeAll()
            return out
        }
        let keep = longestPartialStop()
        let out = String(String.UnicodeScalarView(held[..<(held.count - keep)]))
        held.removeFirst(held.count - keep)
        return out
    }

    /// The text held back (the generation ended without completing a stop string).
    public mutating func finish() -> String {
        guard !stopped else { return "" }
        defer { held.removeAll() }
        return String(String.UnicodeScalarView(held))
    }

    /// Start of the earliest complete stop string in `held`.
    private func firstStop() -> Int? {
        var best: Int?
        for stop in stops where stop.count <= held.count {
            var i = 0
            while i + stop.count <= held.count, i < (best ?? Int.max) {
                if held[i..<(i + stop.count)].elementsEqual(stop) {
                    best = i
                    break
                }
                i += 1
            }
        }
        return best
    }

    /// Length of the longest suffix of `held` that is a proper prefix of a stop string.
    private func longestPartialStop() -> Int {
        var longest = 0
        for stop in stops {
            var n = min(stop.count - 1, held.count)
            while n > longest {
                if held[(held.count - n)...].elementsEqual(stop[..<n]) {
                    longest = n
                    break
                }
                n -= 1
            }
        }
        return longest
    }
}
