import Foundation
import TandemClient
import TandemDecoding
import TandemGGUF
import TandemModel
import TandemModelAdapter
import TandemProxy
import TandemSecurity
import TandemTokenizer

/// `tandem generate --draft D --server ws://HOST:PORT`: assisted generation against a verifier server,
/// streaming the text, then a stats block (stderr) or one JSON object (`--json`).
struct AssistedGenerate {
    var inputs: GenerateInputs
    var draftPath: String
    var server: String
    var policy: any WindowPolicy
    var preemptive = false
    var proactive = false
    /// Pins the draft's compute to this CPU.
    var cpu: Int?
    /// Trusted certificates, the required model hash, the verifier secret.
    var security = ClientSecurity()

    func run() async throws {
        let setup = try DraftSetup(draftPath: draftPath, inputs: inputs, mode: "assisted")
        if let cpu { try CPUOption.pin(setup.draft, to: cpu) }
        let result: GenerationResult
        let text: String
        let reconnects: Int
        if setup.chat != nil {
            // `--chat --prompt`: the library's chat path, the one `tandem proxy` serves.
            let policy = self.policy
            (result, text, reconnects) = try await ClientRun.chatReply(
                setup, inputs: inputs, verification: .server(server, preemptive: preemptive, proactive: proactive),
                makePolicy: { policy }, timeout: .seconds(60), security: security)
        } else {
            let client = AssistedClient(
                draft: setup.draft, draftName: setup.draftName,
                tokenizer: setup.tokenizer, server: server, policy: policy, preemptive: preemptive,
                proactive: proactive, security: security, apiKey: inputs.apiKey)
            (result, text) = try await ClientRun.consume(client.generate(setup.request), json: inputs.json)
            reconnects = await client.verifier.reconnects
        }
        if inputs.json {
            try JSONOutput.print(GenerationOutput(tokens: result.tokens, text: text, stats: result.stats))
        } else {
            var block = StatsText.block(result.stats)
            if reconnects > 0 { block += "reconnects          \(reconnects)\n" }
            if preemptive { block += StatsText.preemptiveLine(result.stats) }
            if proactive { block += StatsText.proactiveLine(result.stats) }
            ClientRun.finishText(block: block)
        }
    }
}

/// Formats `GenerationStats` for people and scripts.
enum StatsText {
    /// The proactive-drafting line of the stats block.
    static func proactiveLine(_ s: GenerationStats) -> String {
        String(
            format: "proactive           hit rate %.2f (%d/%d), drafts reused %d, wasted %d, hidden %.1f ms\n",
            s.proactiveHitRate ?? 0, s.proactiveHits ?? 0, s.proactiveRounds ?? 0, s.proactiveReusedDrafts ?? 0,
            s.proactiveWastedDrafts ?? 0, s.proactiveHiddenMs ?? 0)
    }

    /// The preemptive-drafting line of the stats block.
    static func preemptiveLine(_ s: GenerationStats) -> String {
        String(
            format:
                "preemptive          hit rate %.2f (%d/%d), saved %.1f ms, wasted %d drafts, provisional lead %.1f ms\n",
            s.preemptiveHitRate ?? 0, s.preemptiveHits ?? 0, s.preemptiveRounds ?? 0, s.preemptiveSavedMs ?? 0,
            s.preemptiveWastedDrafts ?? 0, s.provisionalLeadMs ?? 0)
    }

    /// A few aligned lines.
    static func block(_ s: GenerationStats) -> String {
        func f(_ v: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", v) }
        return """
            tokens              \(s.generatedTokens) in \(s.rounds) rounds
            acceptance rate     \(f(s.acceptanceRate)) (\(s.accepted)/\(s.proposed) drafts)
            tokens per round    \(f(s.tokensPerRound))
            cloud passes/token  \(f(s.cloudPassesPerToken))
            bytes per token     \(f(s.bytesPerToken, 1))
            tokens per second   \(f(s.tokensPerS, 1))
            time (ms)           draft \(f(s.draftMs, 1)), network \(f(s.networkMs, 1)), queue \(f(s.queueMs, 1)), verify \(f(s.verifyMs, 1))

            """
    }
}
