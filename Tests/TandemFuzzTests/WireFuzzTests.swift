import Foundation
import TandemWire
import Testing

@testable import TandemBench

/// The wire codec against a few hundred seeded hostile frames (the long run: bench/results/security.md).
struct WireFuzzTests {
    @Test func hostileFramesDecodeOrAreRefusedWithAWireError() {
        let report = WireFuzzCampaign(seed: 7, inputs: 600).run()
        #expect(report.inputs == 600)
        #expect(report.failures == 0, "\(report.failureSamples)")
        #expect(report.accepted > 0)
        #expect(report.refused > 0)
        // Every mutation ran (600 inputs cover the 10 types × 15 mutations four times over).
        #expect(Set(report.byMutation.keys) == Set(WireFuzzInputs.Mutation.allCases.map(\.rawValue)))
    }

    @Test func inputsAreDeterministic() {
        let a = WireFuzzInputs(seed: 11)
        let b = WireFuzzInputs(seed: 11)
        for index in [0, 1, 157, 4321] {
            #expect(a.input(index).bytes == b.input(index).bytes)
        }
        // Input 161 is a verify frame with bit flips: another seed draws other tokens and other flips.
        #expect(WireFuzzInputs(seed: 12).input(161).bytes != a.input(161).bytes)
    }

    @Test func validInputsDecodeToTheirType() throws {
        let inputs = WireFuzzInputs(seed: 3)
        for index in 0..<WireMessage.Kind.allCases.count {
            let input = inputs.input(index)
            #expect(input.mutation == .valid)
            let message = try WireCodec().decode(Data(input.bytes))
            #expect(message.kind == input.kind)
        }
    }

    @Test func theOracleTellsDecodedFromRefused() {
        let codec = WireCodec()
        #expect(WireFuzzCampaign.decode(Array(#"{"type":"close","v":2}"#.utf8), codec: codec) == .decoded)
        #expect(WireFuzzCampaign.decode(Array(#"{"type":"close","v":3}"#.utf8), codec: codec) == .refused)
        #expect(WireFuzzCampaign.decode([0xFF, 0xFE], codec: codec) == .refused)
    }

    /// Regression guards for the nastiest shapes, each refused with `bad_frame` rather than trapping.
    @Test func nestingDeeperThanAnyMessageIsRefused() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: WireError.self) { try WireCodec().decode(deep) }
        let frame = #"{"type":"verify","v":2,"round":1,"base":0,"drafts":"# + deep + "}"
        #expect(throws: WireError.self) { try WireCodec().decode(frame) }
    }

    @Test(arguments: [
        #"{"type":"verify","v":2,"round":1,"base":0,"drafts":[1e999]}"#,
        #"{"type":"verify","v":2,"round":99999999999999999999,"base":0,"drafts":[]}"#,
        #"{"type":"verify","v":2,"round":1,"base":0,"drafts":[-9223372036854775809]}"#,
    ])
    func nastyShapesAreRefused(frame: String) {
        #expect(throws: WireError.self) { try WireCodec().decode(frame) }
    }
}
