/// What `tandem bench assist` sweeps: every round-trip time × every policy, each over every prompt,
/// with the same prompts, token limit and sampling in every cell.
public struct AssistGrid: Sendable, Hashable {
    /// Round-trip times the link emulator adds, in milliseconds.
    public var rttsMs: [Double]
    /// Fixed windows swept (doubling and adaptive are always added).
    public var windows: [Int]
    /// The prompts' texts (each cell runs all of them, in order).
    public var prompts: [String]
    /// Tokens generated per prompt.
    public var maxTokens: Int
    /// Adds the adaptive window with preemptive drafting as a column (`adaptive-preemptive`).
    public var preemptive: Bool
    /// Adds, for every assisted column, the same policy with proactive drafting (`K-proactive`,
    /// `adaptive-proactive`, …).
    public var proactive: Bool = false

    /// The default grid: RTT 0, 10, 25, 50, 100 ms; windows 1, 2, 4, 8.
    public static let defaultRTTsMs: [Double] = [0, 10, 25, 50, 100]
    public static let defaultWindows = [1, 2, 4, 8]

    public init(
        rttsMs: [Double] = defaultRTTsMs, windows: [Int] = defaultWindows, prompts: [String], maxTokens: Int = 48,
        preemptive: Bool = false
    ) {
        self.rttsMs = rttsMs
        self.windows = windows
        self.prompts = prompts
        self.maxTokens = maxTokens
        self.preemptive = preemptive
    }

    /// The columns in the order they run and print: cloud-only, local-only, the fixed windows,
    /// doubling, adaptive (and adaptive-preemptive).
    public var policies: [AssistPolicy] {
        let assisted: [AssistPolicy] =
            windows.map { .fixed($0) } + [.doubling, .adaptive] + (preemptive ? [.adaptivePreemptive] : [])
        return [.cloudOnly, .localOnly] + assisted + (proactive ? assisted.map { .proactive($0) } : [])
    }

    /// Every cell, RTT by RTT.
    public var cells: [(rttMs: Double, policy: AssistPolicy)] {
        rttsMs.flatMap { rtt in policies.map { (rtt, $0) } }
    }

    /// Checks the values a user typed; the message names the bad one.
    public func validate() throws(AssistBenchError) {
        guard !rttsMs.isEmpty else { throw .invalidOption("--rtt needs at least one value") }
        for rtt in rttsMs where !(rtt >= 0 && rtt <= 10_000) {
            throw .invalidOption("--rtt: \(rtt) ms is outside 0…10000")
        }
        for k in windows where k < 1 || k > 16 {
            throw .invalidOption("--windows: \(k) is outside 1…16")
        }
        guard !prompts.isEmpty else { throw .invalidOption("no prompts: the prompts file has no non-empty line") }
        guard maxTokens >= 1 && maxTokens <= 4096 else {
            throw .invalidOption("--max-tokens must be in 1…4096 (got \(maxTokens))")
        }
    }

    /// A comma-separated list of milliseconds ("0,25,100" or "0ms,25ms").
    /// The longest round trip the grids take, in milliseconds (ten seconds: far past any real link, and
    /// small enough that the Duration it becomes cannot overflow).
    public static let maxRTTMs: Double = 10_000

    public static func parseRTTs(_ text: String) throws(AssistBenchError) -> [Double] {
        var out: [Double] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            var item = part.trimmedOfSpaces()
            if item.hasSuffix("ms") { item.removeLast(2) }
            guard let value = Double(item), value.isFinite, value >= 0, value <= maxRTTMs else {
                throw .invalidOption(
                    "--rtt: '\(part)' is not a round-trip time in milliseconds in 0…\(Int(maxRTTMs)) (e.g. 0,25,100)")
            }
            out.append(value)
        }
        return out
    }

    /// A comma-separated list of windows ("1,2,4,8").
    public static func parseWindows(_ text: String) throws(AssistBenchError) -> [Int] {
        var out: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let k = Int(part.trimmedOfSpaces()), k >= 1 else {
                throw .invalidOption("--windows: '\(part)' is not a window of at least 1 draft (e.g. 1,2,4,8)")
            }
            out.append(k)
        }
        return out
    }
}

extension Substring {
    fileprivate func trimmedOfSpaces() -> String {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
