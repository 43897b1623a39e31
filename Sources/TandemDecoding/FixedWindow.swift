/// Always the same window. `FixedWindow(0)` proposes nothing: plain target decoding.
public struct FixedWindow: WindowPolicy {
    public let window: Int

    public init(_ window: Int) {
        self.window = max(0, window)
    }

    public var initialWindow: Int { window }

    public mutating func nextWindow(after round: RoundStats) -> Int { window }
}
