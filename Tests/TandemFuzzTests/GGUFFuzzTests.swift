import TandemGGUF
import Testing

@testable import TandemBench

/// GGUF files mutated in header, metadata and tensor infos: each parses or throws a `GGUFError`.
struct GGUFFuzzTests {
    @Test func hostileFilesParseOrThrowAGGUFError() throws {
        let report = try GGUFFuzzCampaign(seed: 7, inputs: 700).run()
        #expect(report.inputs == 700)
        #expect(report.failures == 0, "\(report.failureSamples)")
        #expect(report.refused > 0)
        #expect(report.accepted > 0)
        #expect(Set(report.byMutation.keys) == Set(GGUFFuzzCampaign.Mutation.allCases.map(\.rawValue)))
    }

    @Test func theLayoutFindsEveryField() throws {
        let sample = try GGUFFuzzCampaign.sample()
        let layout = GGUFFuzzCampaign.layout(sample)
        // 10 keys, 2 string values, 4 string elements, 3 array counts and 4 tensor names.
        #expect(layout.lengths.count == 23)
        // 10 value types + 3 array element types.
        #expect(layout.types.count == 13)
        // Per tensor: name, dimension count, each dimension, type, offset (1 + 2 + 2 + 3 dimensions).
        #expect(layout.tensorFields.count == 4 * 4 + 8)
        #expect(GGUFFuzzCampaign.load(sample) == .parsed)
        #expect(GGUFFuzzCampaign.load(Array(sample.prefix(30))) == .refused)
    }
}
