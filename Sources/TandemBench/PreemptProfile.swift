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

    /// The cost profile `tandem bench assist` uses (`CloudProfile`, with its sources) and an early exit
    /// after the fraction `exitFraction` of the pass (the bundled target: layer 2 of 4), so both
    /// benchmarks price their counts on the same hardware.
    public init(_ cloud: CloudProfile, exitFraction: Double) {
        // CloudProfile prices p positions as a + b·(p − 1); here k drafts are k + 1 positions.
        self.init(
            name: cloud.name, passBase: cloud.passBaseSeconds - cloud.passSecondsPerPosition,
            passPerPosition: cloud.passSecondsPerPosition, draftPerToken: cloud.draftSecondsPerToken,
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
