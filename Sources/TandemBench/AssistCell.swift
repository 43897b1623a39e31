import TandemDecoding

/// What one cell of the benchmark measured: the summed counters over every prompt, and each prompt's
/// tokens (to check that every assisted cell reproduced cloud-only's output).
public struct AssistCell: Sendable, Equatable {
    public var policy: AssistPolicy
    public var rttMs: Double
    public var counters: GenerationCounters
    /// The prompts' tokens summed over the cell's generations.
    public var promptTokens: Int
    /// Generated tokens, prompt by prompt.
    public var outputs: [[Int]]
    /// Where in the target's pass its early exit sits (for the modelled saving of preemptive drafting).
    public var exitFraction = 0.5

    public init(policy: AssistPolicy, rttMs: Double, counters: GenerationCounters, promptTokens: Int, outputs: [[Int]])
    {
        self.policy = policy
        self.rttMs = rttMs
        self.counters = counters
        self.promptTokens = promptTokens
        self.outputs = outputs
    }

    /// The cell's row (modelled figures under `profile`).
    public func row(profile: CloudProfile?) -> AssistRow {
        AssistRow(
            policy: policy, rttMs: rttMs, counters: counters, promptTokens: promptTokens, profile: profile,
            exitFraction: exitFraction)
    }
}

/// Everything one run of the benchmark produced.
public struct AssistResult: Sendable {
    public var cells: [AssistCell]
    public var profile: CloudProfile?
    /// True when every generation was greedy (outputs must then match cloud-only's exactly).
    public var greedy: Bool
    /// Seconds the whole run took.
    public var wallSeconds: Double

    public init(cells: [AssistCell], profile: CloudProfile?, greedy: Bool, wallSeconds: Double) {
        self.cells = cells
        self.profile = profile
        self.greedy = greedy
        self.wallSeconds = wallSeconds
    }

    /// One row per cell, in run order.
    public var rows: [AssistRow] { cells.map { $0.row(profile: profile) } }

    /// Every assisted cell's counters summed: with the target as its own draft (`--same-model`) every
    /// proposed draft must be accepted.
    public var assistedCounters: GenerationCounters {
        cells.filter(\.policy.isAssisted).reduce(GenerationCounters()) { $0.merged(with: $1.counters) }
    }

    /// Assisted cells whose output differs from cloud-only's at the same RTT, prompt by prompt, in
    /// words ("window 4 at 25 ms, prompt 3: differs at token 17"). Empty when all match; only
    /// meaningful under greedy decoding.
    public var mismatches: [String] {
        var out: [String] = []
        for cell in cells where cell.policy.isAssisted {
            guard let reference = cells.first(where: { $0.policy == .cloudOnly && $0.rttMs == cell.rttMs }) else {
                continue
            }
            for (i, pair) in zip(cell.outputs, reference.outputs).enumerated() where pair.0 != pair.1 {
                let (a, b) = pair
                let common = min(a.count, b.count)
                let at = (0..<common).first { a[$0] != b[$0] } ?? common
                out.append(
                    "policy \(cell.policy) at \(NumberFormat.trimmed(cell.rttMs, maxFractionDigits: 1)) ms, "
                        + "prompt \(i + 1): differs from cloud-only at token \(at + 1)")
            }
        }
        return out
    }

    /// Counters of one policy summed over every RTT.
    public func aggregate(_ policy: AssistPolicy) -> (counters: GenerationCounters, promptTokens: Int)? {
        let mine = cells.filter { $0.policy == policy }
        guard !mine.isEmpty else { return nil }
        return (
            mine.reduce(GenerationCounters()) { $0.merged(with: $1.counters) }, mine.reduce(0) { $0 + $1.promptTokens }
        )
    }

    /// The policies in the order they first ran.
    public var policies: [AssistPolicy] {
        var seen: [AssistPolicy] = []
        for cell in cells where !seen.contains(cell.policy) { seen.append(cell.policy) }
        return seen
    }

    /// The RTTs in the order they ran.
    public var rttsMs: [Double] {
        var seen: [Double] = []
        for cell in cells where !seen.contains(cell.rttMs) { seen.append(cell.rttMs) }
        return seen
    }

    /// The row of `policy` at `rttMs`.
    public func row(_ policy: AssistPolicy, rttMs: Double) -> AssistRow? {
        cells.first { $0.policy == policy && $0.rttMs == rttMs }?.row(profile: profile)
    }
}
