import TandemDecoding
import TandemServer
import TandemTestSupport
import Testing

@testable import TandemBench

/// A live verifier on loopback with the toy target: a few hundred hostile frames and wrong-order
/// sequences on one connection while a well-behaved client generates beside it.
struct ServerFuzzTests {
    static let target = ToyModel.hashed(vocabularySize: 64, contextLength: 256, seed: 7, scale: 8)
    static let draft = ToyModel.perturbed(target, disagreement: 0.3)

    @Test func theServerAnswersEveryHostileFrameAndKeepsServingAWellBehavedClient() async throws {
        let target = Self.target
        let draft = Self.draft
        let model = TargetModel(
            id: "toy-target", fingerprint: "toy-tokenizer-v1", vocabularySize: target.vocabularySize,
            contextLength: target.contextLength
        ) { target.makeSession() }
        let campaign = ServerFuzzCampaign(
            target: model, makeDrafter: { ModelDrafter(session: draft.makeSession()) },
            requests: [
                SessionRequest(prompt: [1, 2, 3], maxTokens: 24), SessionRequest(prompt: [9, 8], maxTokens: 16),
            ],
            seed: 7, inputs: 300, ceilingSeconds: 60)
        let report = try await campaign.run()
        #expect(report.inputs == 300)
        #expect(report.failures == 0, "\(report.failureSamples)")
        #expect(report.accepted > 0)
        #expect(report.refused > 0)
        #expect(report.extra["well_behaved_mismatches"] == 0)
        #expect(report.extra["well_behaved_errors"] == 0)
        #expect(report.extra["closed_by_server"] == 0)
        #expect(report.extra["sessions_open_after"] == 0)
    }
}
