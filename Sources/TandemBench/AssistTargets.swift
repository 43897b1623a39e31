/// The issue's three benchmark targets, checked against a run: each a PASS or MISS line with the
/// figures behind it.
public struct AssistTargets: Sendable {
    /// One target's verdict.
    public struct Check: Sendable, Equatable {
        public var name: String
        /// nil when the run cannot decide it (a policy or profile it needs was not part of the run).
        public var passed: Bool?
        /// The figures and, for a miss, why.
        public var detail: String

        /// `PASS — …`, `MISS — …` or `n/a — …`.
        public var line: String {
            let verdict = passed.map { $0 ? "PASS" : "MISS" } ?? "n/a"
            return "\(verdict) — \(name): \(detail)"
        }
    }

    public let result: AssistResult

    public init(_ result: AssistResult) {
        self.result = result
    }

    /// Every check, in the issue's order. Target 1 is judged on modelled tokens/s under a profile (the
    /// adaptive policy then optimises the profile's costs, not this CPU's) and on measured ones without.
    public var checks: [Check] {
        var out = [adaptiveVersusFixed(modelled: result.profile != nil)]
        out.append(serverCPU())
        out.append(profiledLatency())
        return out
    }

    private var fixedPolicies: [AssistPolicy] {
        result.policies.filter { if case .fixed = $0 { true } else { false } }
    }

    /// (1) adaptive ≥ 95% of the best fixed window's tokens/s at every RTT, and above every fixed window at some RTT.
    func adaptiveVersusFixed(modelled: Bool) -> Check {
        let name =
            "(1) adaptive within 5% of the best fixed window at every RTT and best at some RTT, "
            + (modelled ? "modelled tokens/s" : "measured tokens/s")
        let fixed = fixedPolicies
        guard !fixed.isEmpty, result.policies.contains(.adaptive) else {
            return Check(name: name, passed: nil, detail: "needs the adaptive policy and at least one fixed window")
        }
        func speed(_ policy: AssistPolicy, _ rtt: Double) -> Double {
            guard let row = result.row(policy, rttMs: rtt) else { return 0 }
            return modelled ? (row.modelledTokensPerS ?? 0) : row.tokensPerS
        }
        var within = true
        var bestSomewhere = false
        var parts: [String] = []
        for rtt in result.rttsMs {
            let adaptive = speed(.adaptive, rtt)
            let (bestPolicy, best) = fixed.map { ($0, speed($0, rtt)) }.max { $0.1 < $1.1 } ?? (.fixed(1), 0)
            let ratio = best > 0 ? adaptive / best : 0
            if ratio < 0.95 { within = false }
            if adaptive > best { bestSomewhere = true }
            parts.append(
                "\(NumberFormat.trimmed(rtt, maxFractionDigits: 1)) ms: \(NumberFormat.fixed(ratio, digits: 3))× window \(bestPolicy)"
            )
        }
        var detail = "adaptive ÷ best fixed — " + parts.joined(separator: ", ")
        if !within { detail += "; below 95% at some RTT" }
        if !bestSomewhere { detail += "; never above every fixed window" }
        return Check(name: name, passed: within && bestSomewhere, detail: detail)
    }

    /// (2) server CPU-seconds per token, best window ÷ cloud-only ≤ 0.5 (summed over every RTT).
    func serverCPU() -> Check {
        let name = "(2) server CPU-seconds per token, best fixed window ÷ cloud-only ≤ 0.5"
        guard let cloud = result.aggregate(.cloudOnly), cloud.counters.generatedTokens > 0 else {
            return Check(name: name, passed: nil, detail: "needs the cloud-only baseline")
        }
        let cloudPerToken = cloud.counters.serverCPUSeconds / Double(cloud.counters.generatedTokens)
        let perWindow = fixedPolicies.compactMap { policy -> (AssistPolicy, Double)? in
            guard let a = result.aggregate(policy), a.counters.generatedTokens > 0 else { return nil }
            return (policy, a.counters.serverCPUSeconds / Double(a.counters.generatedTokens))
        }
        guard cloudPerToken > 0, let best = perWindow.min(by: { $0.1 < $1.1 }) else {
            return Check(name: name, passed: nil, detail: "no server CPU time was measured")
        }
        let ratio = best.1 / cloudPerToken
        let all = perWindow.map { "window \($0.0): \(NumberFormat.fixed($0.1 / cloudPerToken, digits: 3))" }.joined(
            separator: ", ")
        var detail =
            "best is window \(best.0) at \(NumberFormat.fixed(ratio, digits: 3))× cloud-only "
            + "(\(NumberFormat.fixed(best.1 * 1000, digits: 3)) vs \(NumberFormat.fixed(cloudPerToken * 1000, digits: 3)) CPU ms/token; \(all))"
        if ratio > 0.5, let a = result.aggregate(best.0), let c = result.aggregate(.cloudOnly),
            a.counters.rounds > 0, c.counters.rounds > 0
        {
            let roundCost =
                (a.counters.serverCPUSeconds / Double(a.counters.rounds))
                / (c.counters.serverCPUSeconds / Double(c.counters.rounds))
            let positionCost =
                (a.counters.serverCPUSeconds / Double(max(a.counters.cloudPositions, 1)))
                / (c.counters.serverCPUSeconds / Double(max(c.counters.cloudPositions, 1)))
            let perRound = Double(a.counters.generatedTokens) / Double(a.counters.rounds)
            detail +=
                ". Why: a window-\(best.0) round costs \(NumberFormat.fixed(roundCost, digits: 2))× the CPU of a "
                + "cloud-only pass but yields only \(NumberFormat.fixed(perRound, digits: 2)) tokens: each position of a "
                + "pass costs \(NumberFormat.fixed(positionCost, digits: 2))× a one-position pass (prefill shares included)"
                + (positionCost > 0.6
                    ? ", i.e. the pass is compute-bound, so verifying k drafts in one pass saves little CPU"
                    : ", so the saving is capped by the tokens a round yields")
        }
        return Check(name: name, passed: ratio <= 0.5, detail: detail)
    }

    /// (3) under the profile at RTT 20–50 ms, the best assisted policy's modelled latency ≥ 35% below cloud-only's.
    func profiledLatency() -> Check {
        let name = "(3) modelled latency (profile) at RTT 20–50 ms ≥ 35% below cloud-only"
        guard result.profile != nil else {
            return Check(name: name, passed: nil, detail: "needs --cloud-profile")
        }
        let rtts = result.rttsMs.filter { $0 >= 20 && $0 <= 50 }
        guard !rtts.isEmpty else { return Check(name: name, passed: nil, detail: "needs an RTT between 20 and 50 ms") }
        var passed = true
        var parts: [String] = []
        for rtt in rtts {
            guard let cloud = result.row(.cloudOnly, rttMs: rtt)?.modelledLatencyMsPerToken, cloud > 0 else {
                return Check(name: name, passed: nil, detail: "needs the cloud-only baseline")
            }
            let assisted = result.policies.filter(\.isAssisted).compactMap { policy -> (AssistPolicy, Double)? in
                result.row(policy, rttMs: rtt)?.modelledLatencyMsPerToken.map { (policy, $0) }
            }
            guard let best = assisted.min(by: { $0.1 < $1.1 }) else { continue }
            let saving = 1 - best.1 / cloud
            if saving < 0.35 { passed = false }
            let adaptive = result.row(.adaptive, rttMs: rtt)?.modelledLatencyMsPerToken.map { 1 - $0 / cloud }
            parts.append(
                "\(NumberFormat.trimmed(rtt, maxFractionDigits: 1)) ms: best \(best.0) "
                    + "\(NumberFormat.fixed(best.1, digits: 1)) vs \(NumberFormat.fixed(cloud, digits: 1)) ms/token "
                    + "(\(NumberFormat.percent(abs(saving))) \(saving >= 0 ? "below" : "above"))"
                    + (adaptive.map { ", adaptive \(NumberFormat.percent(abs($0))) \($0 >= 0 ? "below" : "above")" }
                        ?? ""))
        }
        var detail = parts.joined(separator: "; ")
        if !passed, let profile = result.profile, let rtt = rtts.last,
            let row = assistedBest(at: rtt), row.rounds > 0
        {
            let roundMs =
                row.meanWindow * profile.draftSecondsPerToken * 1000 + rtt
                + profile.passSeconds(positions: Int(row.meanWindow.rounded()) + 1) * 1000
            detail +=
                ". Why: at \(NumberFormat.trimmed(rtt, maxFractionDigits: 1)) ms the best policy (\(row.policy)) yields "
                + "\(NumberFormat.fixed(row.tokensPerRound, digits: 2)) tokens per round and a round costs about "
                + "\(NumberFormat.fixed(roundMs, digits: 1)) ms (drafts + RTT + pass), against \(NumberFormat.fixed(profile.passBaseSeconds * 1000, digits: 1)) ms "
                + "per token streamed by cloud-only, which pays the RTT once"
        }
        return Check(name: name, passed: passed, detail: detail)
    }

    /// The assisted row with the lowest modelled latency at `rtt`.
    private func assistedBest(at rtt: Double) -> AssistRow? {
        result.policies.filter(\.isAssisted).compactMap { result.row($0, rttMs: rtt) }
            .filter { $0.modelledLatencyMsPerToken != nil }
            .min { ($0.modelledLatencyMsPerToken ?? 0) < ($1.modelledLatencyMsPerToken ?? 0) }
    }
}
