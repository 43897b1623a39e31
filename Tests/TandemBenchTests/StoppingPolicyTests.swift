import TandemBench
import TandemDecoding
import Testing

/// The bench's adaptive column: windows bounded at 16 and cut by the confidence stopping rule, priced
/// with the profile's costs under a profile.
@Suite struct StoppingPolicyTests {
    @Test("the adaptive column stops on confidence, with and without a profile; the others do not")
    func adaptiveColumnHasARule() throws {
        let profiled = try #require(AssistPolicy.adaptive.windowPolicy(profile: .a100Jetson))
        let plain = try #require(AssistPolicy.adaptive.windowPolicy(profile: nil))
        #expect(profiled.stopRule != nil && plain.stopRule != nil)
        #expect(AssistPolicy.fixed(4).windowPolicy(profile: .a100Jetson)?.stopRule == nil)
        #expect(AssistPolicy.doubling.windowPolicy(profile: nil)?.stopRule == nil)
        #expect(ProfiledWindowPolicy(profile: .a100Jetson).stopRule == nil, "off unless asked for")
    }

    @Test("under the profile, a longer round trip lowers the threshold")
    func thresholdFollowsTheRoundTrip() {
        func settle(rtt: Double) -> (window: Int, tau: Double) {
            var policy = ProfiledWindowPolicy(
                profile: .a100Jetson, maxWindow: AssistPolicy.maxStoppingWindow, stopsOnConfidence: true)
            var window = policy.initialWindow
            for round in 0..<60 {
                // Two of every three drafts kept, the rest rejected at the next position.
                let accepted = min(window, round % 3 == 0 ? window : window * 2 / 3)
                window = policy.nextWindow(after: RoundStats(proposed: window, accepted: accepted, networkSeconds: rtt))
            }
            return (window, policy.stopRule?.threshold ?? -1)
        }
        let lan = settle(rtt: 0)
        let wan = settle(rtt: 0.1)
        #expect(lan.tau > wan.tau && wan.tau > 0)
        #expect(wan.window == 16 && lan.window == 16, "the rule, not the bound, shortens rounds")
    }
}
