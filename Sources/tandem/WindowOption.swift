import TandemDecoding

/// `--window N|doubling|adaptive`: the window policy of assisted generation.
enum WindowOption {
    /// The policy named by `text`; `maxWindow` caps doubling and adaptive windows.
    static func policy(_ text: String, maxWindow: Int = 16) throws -> any WindowPolicy {
        switch text.lowercased() {
        case "doubling": return DoublingWindow(initial: 2, minWindow: 1, maxWindow: maxWindow)
        // The cost model bounds each round; the drafter stops early where the draft is unsure.
        case "adaptive": return ConfidenceStoppingWindow(costModel: CostModelWindow(minWindow: 1, maxWindow: maxWindow))
        // The cost model alone: one window size per round from running averages.
        case "cost", "cost-model": return CostModelWindow(minWindow: 1, maxWindow: maxWindow)
        default:
            guard let k = Int(text), k >= 0, k <= 64 else {
                throw CommandLineError(
                    "--window: expected a number of drafts (0…64), doubling or adaptive; got '\(text)'")
            }
            return FixedWindow(k)
        }
    }
}
