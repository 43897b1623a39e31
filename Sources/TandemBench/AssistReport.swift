import TandemDecoding

/// The Markdown report of `tandem bench assist`: how it was run, the acceptance table shaped like the
/// published Client-Assisted LLM one, latency against RTT per policy next to cloud-only, measured and
/// modelled side by side (each labelled), every row and the output check.
public struct AssistReport: Sendable {
    /// How and where the run happened, for the header.
    public struct Context: Sendable {
        /// The command line that reproduces the run.
        public var command: String
        /// When the run started (UTC, ISO 8601).
        public var date: String
        /// The machine: CPU model, cores, load.
        public var machine: String
        public var draft: String
        public var target: String
        /// "greedy" or the sampling parameters.
        public var sampling: String
        public var serverThreads: Int
        /// The relative paths of the plots, for links (acceptance, measured tokens/s, modelled tokens/s).
        public var plots: [String]

        public init(
            command: String, date: String, machine: String, draft: String, target: String, sampling: String,
            serverThreads: Int, plots: [String]
        ) {
            self.command = command
            self.date = date
            self.machine = machine
            self.draft = draft
            self.target = target
            self.sampling = sampling
            self.serverThreads = serverThreads
            self.plots = plots
        }
    }

    public let result: AssistResult
    public let grid: AssistGrid
    public let context: Context
    /// A published acceptance row to set the run beside (``referencesSection()``).
    public var published: PublishedAcceptance?
    /// llama.cpp's speculative decoding on the same machine, to set the run beside.
    public var llamaCpp: LlamaCppSpeculativeSummary?

    public init(result: AssistResult, grid: AssistGrid, context: Context) {
        self.result = result
        self.grid = grid
        self.context = context
    }

    private var profileName: String { result.profile.map { "modelled (\($0.name))" } ?? "modelled" }

    /// The whole report.
    public func render() -> String {
        var out = "# Assisted decoding: windows, baselines and RTT\n\n"
        out += "- run: \(context.date), `\(context.command)`\n"
        out +=
            "- machine: \(context.machine). The draft, the client and the verifier share this CPU with other "
            + "work; measured times are noisy under load, so compare ratios within one run rather than absolute figures.\n"
        out +=
            "- models: draft `\(context.draft)`, target `\(context.target)`; \(grid.prompts.count) prompts × "
            + "\(grid.maxTokens) tokens, \(context.sampling); server model on \(context.serverThreads) compute thread"
            + "\(context.serverThreads == 1 ? "" : "s"); RTTs \(grid.rttsMs.map { NumberFormat.trimmed($0, maxFractionDigits: 1) }.joined(separator: ", ")) ms "
            + "through the in-process link emulator; whole run \(NumberFormat.fixed(result.wallSeconds, digits: 0)) s.\n"
        out +=
            "- **measured (this CPU)**: wall-clock figures of this run. Server CPU time is the verifier thread's "
            + "CPU clock around every pass, the prompt's prefill at `open` included, for assisted and cloud-only alike.\n"
        out +=
            "- **adaptive**: windows bounded at \(AssistPolicy.maxStoppingWindow) and cut by a stopping rule "
            + "(`ConfidenceStoppingWindow`): the drafter stops once the estimated probability that the window so far is "
            + "accepted (each draft's own probability through a calibration learnt from the rounds) falls below "
            + "(draft + position cost) ÷ (acceptance × seconds per token).\n"
        if let profile = result.profile {
            out +=
                "- **modelled (\(profile.name))**: the same runs' counts (rounds, drafts, positions, tokens) priced "
                + "with \(profile.summary), plus the emulated RTT per round trip (assisted: one per round; cloud-only: one "
                + "per generation; local-only: none) and the prompt's prefill. The adaptive policy chose its windows with "
                + "the profile's draft and pass costs (`ProfiledWindowPolicy`), so its measured figures are for those windows.\n"
            out += "  Sources: " + profile.sources.joined(separator: "; ") + ".\n"
        }
        out +=
            "\n" + acceptanceSection() + "\n" + referencesSection() + latencySection() + "\n" + proactiveSection()
            + splitSection() + "\n"
            + positionSection()
        out += "\n" + checksSection() + "\n" + rowsSection()
        return out
    }

    /// The acceptance table (summed over every RTT), shaped like the Client-Assisted LLM one.
    public func acceptanceSection() -> String {
        let columns = result.policies.filter(\.isAssisted)
        var table = MarkdownTable(
            headers: ["summed over every RTT"] + columns.map { Self.name($0) },
            alignments: [.left] + columns.map { _ in MarkdownTable.Alignment.right })
        let rows = columns.map { policy -> AssistRow? in
            guard let a = result.aggregate(policy) else { return nil }
            return AssistRow(policy: policy, rttMs: 0, counters: a.counters, promptTokens: a.promptTokens, profile: nil)
        }
        func line(_ title: String, _ value: (AssistRow) -> String) {
            table.addRow([title] + rows.map { $0.map(value) ?? "–" })
        }
        line("acceptance rate") { NumberFormat.fixed($0.acceptanceRate, digits: 3) }
        line("mean window") { NumberFormat.fixed($0.meanWindow, digits: 2) }
        line("tokens per round") { NumberFormat.fixed($0.tokensPerRound, digits: 2) }
        line("server passes per token") { NumberFormat.fixed($0.serverPassesPerToken, digits: 3) }
        line("server CPU ms per token") { NumberFormat.fixed($0.serverCPUSPerToken * 1000, digits: 3) }
        line("bytes per token") { NumberFormat.fixed($0.bytesPerToken, digits: 0) }
        var text = "## Acceptance by window\n\nShaped like the Client-Assisted LLM write-up's table. "
        if let cloud = result.aggregate(.cloudOnly), cloud.counters.generatedTokens > 0 {
            let perToken = cloud.counters.serverCPUSeconds / Double(cloud.counters.generatedTokens)
            text +=
                "Cloud-only for comparison: 1 server pass and \(NumberFormat.fixed(perToken * 1000, digits: 3)) server CPU ms per token, "
                + "\(NumberFormat.fixed(Double(cloud.counters.wireBytes) / Double(cloud.counters.generatedTokens), digits: 0)) bytes per token. "
        }
        text += "\n\n![acceptance vs window](\(context.plots.first ?? ""))\n\n"
        return text + table.render()
    }

    /// Proactive drafting per RTT: hit rate, drafts reused and thrown away, drafting hidden behind the
    /// wait, and tokens/s against the same policy without it (empty without proactive columns).
    public func proactiveSection() -> String {
        let policies = result.policies.filter(\.isProactive)
        guard !policies.isEmpty else { return "" }
        var table = MarkdownTable(
            headers: [
                "RTT ms", "policy", "hit rate", "drafts reused", "drafts wasted", "hidden ms/token",
                "tokens/s", "× without", "× cloud-only",
            ],
            alignments: [.right, .left] + Array(repeating: MarkdownTable.Alignment.right, count: 7))
        for rtt in result.rttsMs {
            let cloud = result.row(.cloudOnly, rttMs: rtt)?.tokensPerS ?? 0
            for policy in policies {
                guard let row = result.row(policy, rttMs: rtt) else { continue }
                let without = result.row(policy.base, rttMs: rtt)?.tokensPerS ?? 0
                table.addRow([
                    NumberFormat.trimmed(rtt, maxFractionDigits: 1), Self.name(policy),
                    NumberFormat.fixed(row.proactiveHitRate ?? 0, digits: 2), "\(row.proactiveReusedDrafts ?? 0)",
                    "\(row.proactiveWastedDrafts ?? 0)",
                    NumberFormat.fixed(row.proactiveHiddenMsPerToken ?? 0, digits: 2),
                    NumberFormat.fixed(row.tokensPerS, digits: 1),
                    without > 0 ? NumberFormat.fixed(row.tokensPerS / without, digits: 2) : "–",
                    cloud > 0 ? NumberFormat.fixed(row.tokensPerS / cloud, digits: 2) : "–",
                ])
            }
        }
        return "## Proactive drafting\n\nWhile a window is being verified the client drafts the next one, assuming the "
            + "window is accepted and the verifier's token is the draft's own most likely one; a hit is a round whose "
            + "verdict confirmed that before it arrived (its window is then ready), drafts reused are the speculative "
            + "drafts proposed in the next round, and hidden time is speculative drafting that overlapped the wait.\n\n"
            + table.render() + "\n"
    }

    /// Tokens/s against RTT per policy (measured, × cloud-only) and, under a profile, modelled ms per token.
    public func latencySection() -> String {
        let policies = result.policies
        var measured = MarkdownTable(
            headers: ["RTT ms"] + policies.map { Self.name($0) },
            alignments: [.right] + policies.map { _ in MarkdownTable.Alignment.right })
        for rtt in result.rttsMs {
            let cloud = result.row(.cloudOnly, rttMs: rtt)?.tokensPerS ?? 0
            measured.addRow(
                [NumberFormat.trimmed(rtt, maxFractionDigits: 1)]
                    + policies.map { policy in
                        guard let row = result.row(policy, rttMs: rtt) else { return "–" }
                        let value = NumberFormat.fixed(row.tokensPerS, digits: 1)
                        return policy == .cloudOnly || cloud <= 0
                            ? value : "\(value) (\(NumberFormat.fixed(row.tokensPerS / cloud, digits: 2))×)"
                    })
        }
        var text = "## Latency against RTT\n\n### Measured (this CPU): tokens/s end to end (× cloud-only)\n\n"
        text +=
            "Here the \"cloud\" is the same CPU as the client, so cloud-only is not slower per pass; the "
            + "gap to cloud-only comes from the RTT per round.\n\n"
        text += measured.render()
        if context.plots.count > 1 { text += "\n![tokens/s vs RTT, measured](\(context.plots[1]))\n" }
        guard result.profile != nil else { return text }
        var modelled = MarkdownTable(
            headers: ["RTT ms"] + policies.map { Self.name($0) },
            alignments: [.right] + policies.map { _ in MarkdownTable.Alignment.right })
        for rtt in result.rttsMs {
            let cloud = result.row(.cloudOnly, rttMs: rtt)?.modelledLatencyMsPerToken ?? 0
            modelled.addRow(
                [NumberFormat.trimmed(rtt, maxFractionDigits: 1)]
                    + policies.map { policy in
                        guard let ms = result.row(policy, rttMs: rtt)?.modelledLatencyMsPerToken else { return "–" }
                        let value = NumberFormat.fixed(ms, digits: 1)
                        guard policy != .cloudOnly, cloud > 0 else { return value }
                        let change = ms / cloud - 1
                        return "\(value) (\(change <= 0 ? "" : "+")\(NumberFormat.percent(change, digits: 0)))"
                    })
        }
        text +=
            "\n### \(profileName.prefix(1).uppercased() + profileName.dropFirst()): ms per token (change vs cloud-only)\n\n"
        text += modelled.render()
        if context.plots.count > 2 { text += "\n![tokens/s vs RTT, modelled](\(context.plots[2]))\n" }
        return text
    }

    /// Where the time went per token at the largest RTT, measured.
    public func splitSection() -> String {
        guard let rtt = result.rttsMs.max() else { return "" }
        var table = MarkdownTable(
            headers: ["policy", "draft", "network", "queue", "verify", "TTFT ms"],
            alignments: [.left, .right, .right, .right, .right, .right])
        for policy in result.policies {
            guard let row = result.row(policy, rttMs: rtt) else { continue }
            table.addRow([
                Self.name(policy), NumberFormat.fixed(row.draftMs, digits: 2),
                NumberFormat.fixed(row.networkMs, digits: 2),
                NumberFormat.fixed(row.queueMs, digits: 2), NumberFormat.fixed(row.verifyMs, digits: 2),
                NumberFormat.fixed(row.ttftMs, digits: 1),
            ])
        }
        return "## Latency split at RTT \(NumberFormat.trimmed(rtt, maxFractionDigits: 1)) ms, measured (this CPU)\n\n"
            + "Milliseconds per generated token: drafting on the client, on the wire (round trips minus server time), "
            + "waiting for the server's model, the server's passes.\n\n" + table.render()
    }

    /// Per-position acceptance per assisted policy.
    public func positionSection() -> String {
        let columns = result.policies.filter(\.isAssisted)
        let rows = columns.compactMap { policy -> (AssistPolicy, [Double])? in
            guard let a = result.aggregate(policy) else { return nil }
            return (policy, GenerationStatsView.perPosition(a.counters))
        }
        let width = rows.map(\.1.count).max() ?? 0
        guard width > 0 else { return "" }
        var table = MarkdownTable(
            headers: ["policy"] + (1...width).map { "pos \($0)" },
            alignments: [.left] + (1...width).map { _ in MarkdownTable.Alignment.right })
        for (policy, values) in rows {
            table.addRow(
                [Self.name(policy)]
                    + (0..<width).map { $0 < values.count ? NumberFormat.fixed(values[$0], digits: 3) : "" })
        }
        return
            "## Per-position acceptance (summed over every RTT)\n\nHow often the draft at window position i was kept, given it was proposed.\n\n"
            + table.render()
    }

    /// The output check: assisted tokens against cloud-only's under greedy decoding.
    public func checksSection() -> String {
        var text = "## Checks\n\n"
        if result.greedy {
            let mismatches = result.mismatches
            text +=
                mismatches.isEmpty
                ? "- outputs: every assisted cell's tokens equal cloud-only's for every prompt (greedy): OK\n"
                : "- **outputs DIFFER from cloud-only** (greedy; this is a bug):\n"
                    + mismatches.map { "  - \($0)\n" }.joined()
        } else {
            text += "- outputs: sampled decoding, so outputs are not compared token by token\n"
        }
        return text
    }

    /// Every row of the run.
    public func rowsSection() -> String {
        var table = MarkdownTable(
            headers: [
                "policy", "RTT ms", "accept", "tok/round", "mean k", "passes/tok", "CPU ms/tok", "bytes/tok",
                "TTFT ms", "tok/s measured", "ms/tok " + profileName,
            ],
            alignments: [.left] + Array(repeating: MarkdownTable.Alignment.right, count: 10))
        for row in result.rows {
            table.addRow([
                row.policy, NumberFormat.trimmed(row.rttMs, maxFractionDigits: 1),
                NumberFormat.fixed(row.acceptanceRate, digits: 3), NumberFormat.fixed(row.tokensPerRound, digits: 2),
                NumberFormat.fixed(row.meanWindow, digits: 2), NumberFormat.fixed(row.serverPassesPerToken, digits: 3),
                NumberFormat.fixed(row.serverCPUSPerToken * 1000, digits: 3),
                NumberFormat.fixed(row.bytesPerToken, digits: 0),
                NumberFormat.fixed(row.ttftMs, digits: 1), NumberFormat.fixed(row.tokensPerS, digits: 1),
                row.modelledLatencyMsPerToken.map { NumberFormat.fixed($0, digits: 1) } ?? "–",
            ])
        }
        return "## Every row\n\n" + table.render()
    }

    /// A policy's column title.
    static func name(_ policy: AssistPolicy) -> String {
        if case .fixed(let k) = policy { return "window \(k)" }
        if case .proactive(.fixed(let k)) = policy { return "window \(k) proactive" }
        return policy.description
    }
}

/// Per-position acceptance from raw counters (as `GenerationStats` computes it).
enum GenerationStatsView {
    static func perPosition(_ c: TandemDecoding.GenerationCounters) -> [Double] {
        zip(c.acceptedAt, c.proposedAt).map { $1 > 0 ? Double($0) / Double($1) : 0 }
    }
}
