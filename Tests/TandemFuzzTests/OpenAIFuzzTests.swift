import Foundation
import Testing

@testable import TandemBench

/// The OpenAI endpoints of a live verifier (the bundled target) on loopback: a few hundred requests
/// built from docs/openai-subset.json and mutated, a well-behaved completion every 10 inputs.
struct OpenAIFuzzTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let target = root.appendingPathComponent("Models/target.gguf").path

    static func spec() throws -> OpenAPISubset {
        try OpenAPISubset(path: root.appendingPathComponent("docs/openai-subset.json").path)
    }

    @Test func everyAnswerIsAnOpenAIErrorOrACompletionAndAWellBehavedClientKeepsItsText() async throws {
        let campaign = OpenAIFuzzCampaign(
            targetPath: Self.target, spec: try Self.spec(), seed: 3, inputs: 300, ceilingSeconds: 60, checkEvery: 10)
        let report = try await campaign.run()
        #expect(report.inputs == 300)
        #expect(report.failures == 0, "\(report.failureSamples)")
        #expect(report.hangs == 0)
        #expect(report.accepted > 0)
        #expect(report.refused > 0)
        #expect(Set(report.byMutation.keys) == Set(OpenAIFuzzInputs.Mutation.allCases.map(\.rawValue)))
        #expect(report.extra["well_behaved_runs"] == 30)
        #expect(report.extra["well_behaved_errors"] == 0)
        #expect(report.extra["well_behaved_mismatches"] == 0)
    }

    @Test func inputsAreTheSameBytesForTheSameSeedAndIndex() throws {
        let spec = try Self.spec()
        let a = OpenAIFuzzInputs(spec: spec, seed: 9, vocabularySize: 4096, maxBodyBytes: 1 << 22)
        let b = OpenAIFuzzInputs(spec: spec, seed: 9, vocabularySize: 4096, maxBodyBytes: 1 << 22)
        for i in 0..<60 { #expect(a.input(i).bytes == b.input(i).bytes) }
        // A valid request fits its own schema.
        for i in stride(from: 0, to: 400, by: OpenAIFuzzInputs.Mutation.allCases.count) {
            let input = a.input(i)
            #expect(input.mutation == .valid)
            let body = try #require(RawHTTPResponse.parse(Self.asResponse(input.bytes), closed: true)).body
            let node = try JSONDecoder().decode(SpecNode.self, from: Data(body))
            let operation = try #require(spec.operations.first { $0.path == input.operation })
            #expect(
                spec.violation(of: node, schema: operation.request) == nil, "\(String(decoding: body, as: UTF8.self))")
        }
    }

    /// A request's bytes read back as a response (same framing: head, blank line, body).
    static func asResponse(_ request: [UInt8]) -> [UInt8] {
        let text = String(decoding: request, as: UTF8.self)
        guard let lineEnd = text.range(of: "\r\n") else { return request }
        return Array(("HTTP/1.1 200 OK" + text[lineEnd.lowerBound...]).utf8)
    }

    @Test func theJudgeFailsAnswersThatAreNotOpenAIShaped() throws {
        let spec = try Self.spec()
        let campaign = OpenAIFuzzCampaign(targetPath: Self.target, spec: spec, seed: 1, inputs: 0)
        let input = OpenAIFuzzInputs.Input(mutation: .wrongType, operation: "/v1/completions", bytes: [])
        func answer(_ status: Int, _ body: String, type: String = "application/json") -> RawHTTPExchange.Ending {
            .answered(RawHTTPResponse(status: status, headers: ["content-type": type], body: Array(body.utf8)))
        }
        let error = #"{"error":{"message":"m","type":"invalid_request_error","param":null,"code":null}}"#
        #expect(campaign.judge(input, answer(400, error)) == .refused)
        guard case .failed = campaign.judge(input, answer(400, #"{"message":"m"}"#)) else {
            Issue.record("a 400 without OpenAI's error shape passed")
            return
        }
        guard case .failed = campaign.judge(input, answer(500, error)) else {
            Issue.record("a 500 passed")
            return
        }
        guard case .failed = campaign.judge(input, answer(200, #"{"object":"text_completion"}"#)) else {
            Issue.record("an incomplete completion passed")
            return
        }
        guard case .failed = campaign.judge(input, .closed(partial: 0)) else {
            Issue.record("a dropped connection for a well-framed request passed")
            return
        }
        guard case .failed = campaign.judge(input, answer(200, "data: {}\n\n", type: "text/event-stream")) else {
            Issue.record("a stream without [DONE] passed")
            return
        }
        let completion =
            #"{"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"length"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#
        #expect(campaign.judge(input, answer(200, completion)) == .accepted)
    }
}
