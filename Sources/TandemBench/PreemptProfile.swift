/// A simple cost profile for the modelled column of `tandem bench preempt`: what a generation's measured
/// counts (rounds, drafts, hits) would cost with a cloud-class target and an edge-class draft.
///
/// The target's pass over k drafts (k + 1 positions) costs `passBase + passPerPosition·(k + 1)`; its
/// provisional verdict leaves after the fraction `exitFraction` (L_e / L) of that pass. The draft costs
/// `draftPerToken` per drafted token. A round costs draft + RTT + pass; on a preemptive hit the next
/// window's drafting overlaps the remainder of the pass, saving min(k̄·draftPerToken, (1 − f)·pass(k̄))
/// (k̄ = mean drafts per round). Prompt prefill, connection set-up and the draft's cache roll-backs are
/// not modelled; a miss costs nothing extra (its drafting ran while the client would be idle).
public struct PreemptProfile: Sendable, Equatable, Codable {
    public var name: String
    /// Seconds of a target pass, fixed part (a).
    public var passBase: Double
    /// Seconds of a target pass per position (b).
    public var passPerPosition: Double
    /// Seconds to draft one token on the client.
    public var draftPerToken: Double
    /// Where in the pass the early exit sits (L_e / L).
    public var exitFraction: Double

    enum CodingKeys: String, CodingKey {
        case name
        case passBase = "pass_base_s"
        case passPerPosition = "pass_per_position_s"
        case draftPerToken = "draft_per_token_s"
        case exitFraction = "exit_fraction"
    }

    public init(name: String, passBase: Double, passPerPosition: Double, draftPerToken: Double, exitFraction: Double) {
        self.name = name
        self.passBase = passBase
        self.passPerPosition = passPerPosition
        self.draftPerToken = draftPerToken
        self.exitFraction = exitFraction
    }

    /// ASSUMED figures, not measured here: a Llama-2-7B-class target in fp16 on one A100 (≈ 22 ms per
    /// decoding pass, + 0.25 ms per extra verified position) and a Vicuna-68M-class draft on a Jetson
    /// Nano-class device (≈ 9 ms per token), the pairing of Venkatesha et al. 2025 (arXiv 2505.21594);
    /// the exit fraction is set by the caller from the served model (the bundled target: layer 2 of 4).
    public static func cloudEdge(exitFraction: Double) -> PreemptProfile {
        PreemptProfile(name: "a100-jetson (assumed)", passBase: 0.022, passPerPosition: 0.00025, draftPerToken: 0.009,
                       exitFraction: exitFraction)
    }

    /// Seconds of a target pass over `drafts` drafts.
    public func pass(drafts: Double) -> Double {
        passBase + passPerPosition * (drafts + 1)
    }

    /// Modelled seconds per generated token for measured counts at round trip `rtt` seconds.
    public func secondsPerToken(tokens: Int, rounds: Int, drafts: Int, hits: Int, rtt: Double) -> Double {
        guard tokens > 0, rounds > 0 else { return 0 }
        let meanWindow = Double(drafts) / Double(rounds)
        let passes = Double(rounds) * passBase + passPerPosition * Double(drafts + rounds)
        let saving = min(meanWindow * draftPerToken, (1 - exitFraction) * pass(drafts: meanWindow))
        let total = Double(rounds) * rtt + passes + Double(drafts) * draftPerToken - Double(hits) * max(0, saving)
        return total / Double(tokens)
    }
}
