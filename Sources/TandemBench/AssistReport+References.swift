extension AssistReport {
    /// The run beside figures from elsewhere: a published acceptance row (``published``) and llama.cpp's
    /// speculative decoding on the same machine (``llamaCpp``). Empty when neither is given.
    public func referencesSection() -> String {
        var text = ""
        if let published { text += publishedSection(published) + "\n" }
        if let llamaCpp { text += llamaCppSection(llamaCpp) + "\n" }
        return text
    }

    private func aggregateRow(_ policy: AssistPolicy) -> AssistRow? {
        guard let a = result.aggregate(policy) else { return nil }
        return AssistRow(policy: policy, rttMs: 0, counters: a.counters, promptTokens: a.promptTokens, profile: nil)
    }

    private func publishedSection(_ published: PublishedAcceptance) -> String {
        var table = MarkdownTable(
            headers: [
                "policy", "acceptance (this run)", "acceptance (published)", "accepted per window (this run)",
                "accepted per window (published)",
            ],
            alignments: [.left, .right, .right, .right, .right])
        func percent(_ value: Double?) -> String { value.map { NumberFormat.fixed($0 * 100, digits: 1) + " %" } ?? "–" }
        func fixed(_ value: Double?) -> String { value.map { NumberFormat.fixed($0, digits: 2) } ?? "–" }
        for (window, acceptance) in published.byWindow {
            let row = aggregateRow(.fixed(window))
            table.addRow([
                "window \(window)", percent(row?.acceptanceRate), percent(acceptance),
                fixed(row.map { $0.acceptanceRate * $0.meanWindow }), fixed(acceptance * Double(window)),
            ])
        }
        let adaptive = aggregateRow(.adaptive)
        table.addRow([
            "adaptive", percent(adaptive?.acceptanceRate), percent(published.adaptiveAcceptance),
            fixed(adaptive.map { $0.acceptanceRate * $0.meanWindow }), fixed(published.adaptiveAcceptedPerWindow),
        ])
        if let sameModel = published.sameModelAcceptance {
            table.addRow(["same model both sides", "run with `--same-model`", percent(sameModel), "–", "–"])
        }
        return "## Beside the published row\n\n"
            + "\(published.source). Both acceptances are draft tokens accepted ÷ draft tokens proposed, so a "
            + "window of k whose positions were each accepted with probability p would score "
            + "(p + p² + … + pᵏ) ÷ k; accepted per window is acceptance × the mean window. The published "
            + "row's own prompts are not this run's (here: \(grid.prompts.count) prompts × \(grid.maxTokens) "
            + "tokens), so compare the shape (how fast acceptance falls with the window) more than the level.\n\n"
            + table.render()
    }

    private func llamaCppSection(_ llama: LlamaCppSpeculativeSummary) -> String {
        let threads = "\(llama.threads) thread\(llama.threads == 1 ? "" : "s")"
        let assisted = result.policies.filter(\.isAssisted)
        let best = result.rttsMs.flatMap { rtt in
            assisted.compactMap { policy in result.row(policy, rttMs: rtt).map { (policy, $0) } }
        }.max { $0.1.tokensPerS < $1.1.tokensPerS }
        var table = MarkdownTable(
            headers: ["run", "tokens/s", "× llama.cpp speculative"], alignments: [.left, .right, .right])
        let pMin = NumberFormat.trimmed(llama.best.pMin, maxFractionDigits: 2)
        table.addRow([
            "llama.cpp speculative, best of its sweep (n-max \(llama.best.nMax), p-min \(pMin), \(threads))",
            NumberFormat.fixed(llama.best.tokensPerS, digits: 1), "1.00×",
        ])
        table.addRow([
            "llama.cpp target alone (\(threads))", NumberFormat.fixed(llama.targetOnly.tokensPerS, digits: 1),
            NumberFormat.fixed(llama.targetOnly.tokensPerS / llama.best.tokensPerS, digits: 2) + "×",
        ])
        if let (policy, row) = best {
            let rtt = NumberFormat.trimmed(row.rttMs, maxFractionDigits: 1)
            table.addRow([
                "Tandem, best assisted cell of this run (\(Self.name(policy)), RTT \(rtt) ms)",
                NumberFormat.fixed(row.tokensPerS, digits: 1),
                NumberFormat.fixed(row.tokensPerS / llama.best.tokensPerS, digits: 2) + "×",
            ])
        }
        return "## Beside llama.cpp on the same machine\n\n"
            + "llama.cpp's figures come from `bench/llamacpp_speculative.sh` (one process, draft and target "
            + "sharing \(threads)); Tandem's here are the draft and the verifier as two processes' worth of "
            + "work on the cores this run was given, talking over a loopback WebSocket with the emulated RTT. "
            + "Same models, same greedy outputs; different set-ups, so read the ratio as what a user of each "
            + "gets on this machine.\n\n" + table.render()
    }
}
