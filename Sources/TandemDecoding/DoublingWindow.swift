/// Doubles the window after a fully accepted round and halves it otherwise, within bounds
/// (start 1, clamp 1…8 by default).
public struct DoublingWindow: WindowPolicy {
    public let minWindow: Int
    public let maxWindow: Int
    public private(set) var window: Int

    public init(initial: Int = 1, minWindow: Int = 1, maxWindow: Int = 8) {
        self.minWindow = max(1, minWindow)
        self.maxWindow = max(self.minWindow, maxWindow)
        window = min(max(initial, self.minWindow), self.maxWindow)
    }

    public var initialWindow: Int { window }

    public mutating func nextWindow(after round: RoundStats) -> Int {
        let next = round.fullyAccepted ? window * 2 : window / 2
        window = min(max(next, minWindow), maxWindow)
        return window
    }
}
