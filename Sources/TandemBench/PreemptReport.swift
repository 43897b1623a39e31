import Foundation

/// The Markdown report of `tandem bench preempt`: latency per token with and without preemption at
/// each RTT, measured and modelled, with the command that made them (in the caller's header).
public enum PreemptReport {
    /// One RTT × policy pair, without and with preemption.
    public struct Pair: Sendable {
        public var off: PreemptRow
        public var on: PreemptRow
        /// 1 − with / without, measured end to end per token.
        public var measuredReduction: Double { off.msPerToken > 0 ? 1 - on.msPerToken / off.msPerToken : 0 }
        public var modelledReduction: Double {
            off.modelledMsPerToken > 0 ? 1 - on.modelledMsPerToken / off.modelledMsPerToken : 0
        }

        /// The modelled reduction had every speculative window been a hit (the profile's ceiling for
        /// these windows).
        public func modelledCeiling(_ profile: PreemptProfile) -> Double {
            let all = profile.secondsPerToken(
                tokens: on.tokens, rounds: on.rounds, drafts: on.drafts,
                hits: on.preemptiveRounds, rtt: on.rttMs / 1000)
            return off.modelledMsPerToken > 0 ? 1 - 1000 * all / off.modelledMsPerToken : 0
        }
    }

    public static func pairs(_ rows: [PreemptRow]) -> [Pair] {
        rows.filter { !$0.preemptive }.compactMap { off in
            rows.first { $0.preemptive && $0.rttMs == off.rttMs && $0.policy == off.policy }.map {
                Pair(off: off, on: $0)
            }
        }
    }

    /// The whole report.
    public static func markdown(_ results: PreemptBenchmark.Results, header: [String]) -> String {
        let p = results.profile
        var table = MarkdownTable(
            headers: [
                "RTT ms", "window", "ms/token off", "ms/token on", "Δ measured", "hit rate", "saved ms/round",
                "wasted drafts", "provisional→verdict ms", "tokens/round off/on", "modelled ms/token off", "on",
                "Δ modelled",
                "same output",
            ],
            alignments: [.right, .left] + Array(repeating: .right, count: 11) + [.left])
        for pair in pairs(results.rows) {
            let f = { (v: Double) in NumberFormat.fixed(v, digits: 2) }
            table.addRow([
                NumberFormat.trimmed(pair.on.rttMs, maxFractionDigits: 1), pair.on.policy,
                f(pair.off.msPerToken), f(pair.on.msPerToken), NumberFormat.percent(pair.measuredReduction),
                "\(NumberFormat.fixed(pair.on.hitRate, digits: 2)) (\(pair.on.preemptiveHits)/\(pair.on.preemptiveRounds))",
                f(pair.on.savedMsPerRound), "\(pair.on.wastedDrafts)", f(pair.on.provisionalLeadMs),
                "\(f(pair.off.tokensPerRound))/\(f(pair.on.tokensPerRound))",
                f(pair.off.modelledMsPerToken), f(pair.on.modelledMsPerToken),
                NumberFormat.percent(pair.modelledReduction),
                pair.on.sameOutput ? "yes" : "**NO**",
            ])
        }
        var out = "# Preemptive drafting (early exits): latency with vs without\n\n"
        out += header.map { "- \($0)\n" }.joined()
        out += "\n" + table.render() + "\n"
        out += """

            - *ms/token*: measured wall time per generated token, end to end (connection, open and prefill included), \
            all prompts together; *Δ* = 1 − on/off. *hit rate*: rounds whose verdict confirmed the provisional \
            guess ÷ rounds that started a speculative window. *saved ms/round*: drafting that overlapped the wait \
            for the verdict on hits. *provisional→verdict ms*: the gap between the two frames' arrival at the client.
            - Server side (no emulated link, window 4): the provisional leaves \(NumberFormat.fixed(results.serverProvisionalMs, digits: 2)) ms \
            into a \(NumberFormat.fixed(results.serverPassMs, digits: 2)) ms pass (exit layer \(results.exitLayer) of \(results.layers)).
            - *modelled*: the same measured counts (rounds, drafts, hits) priced with the profile of \
            `tandem bench assist` (\(p.name); its sources and assumptions are in CloudProfile.swift): target pass \(NumberFormat.trimmed(p.passBase * 1000, maxFractionDigits: 2)) ms + \
            \(NumberFormat.trimmed(p.passPerPosition * 1000, maxFractionDigits: 3)) ms per position, draft \
            \(NumberFormat.trimmed(p.draftPerToken * 1000, maxFractionDigits: 2)) ms per token, exit at \
            \(NumberFormat.trimmed(p.exitFraction, maxFractionDigits: 2)) of the pass; a hit saves \
            min(k̄·draft, (1 − f)·pass(k̄)). Prefill, connection set-up and cache roll-backs are not modelled. \
            Window *adaptive* is the product's adaptive window (cost model bound + confidence stopping rule) fed \
            this machine's times (its windows suit this CPU, not the profile); *adaptive-profile* is the same \
            policy fed the profile's draft and pass times, so its \
            modelled column prices the windows a client under that profile would choose.

            """
        let policies = results.rows.map(\.policy)
        let modelled =
            policies.first { $0 == "adaptive-profile" } ?? policies.first { $0 == "adaptive" } ?? policies.first
        let ceilings = pairs(results.rows).filter { $0.on.policy == modelled }.map {
            "\(NumberFormat.trimmed($0.on.rttMs, maxFractionDigits: 1)) ms: \(NumberFormat.percent($0.modelledCeiling(p)))"
        }
        if let modelled, !ceilings.isEmpty {
            out +=
                "- Modelled Δ had every provisional guess been right (window \(modelled)): "
                + ceilings.joined(separator: ", ") + ".\n"
        }
        return out
    }
}
