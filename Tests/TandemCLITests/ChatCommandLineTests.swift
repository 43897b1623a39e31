import Foundation
import TandemLoopbackSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `tandem generate --chat` in assisted mode goes through the library's `AssistedChat`, the path
/// `tandem proxy` serves: greedy, its text is the verifier's own `/v1/chat/completions` text.
@Suite("generate --chat --draft --server", .serialized, .timeLimit(.minutes(5)))
struct ChatCommandLineTests {
    @Test("the chat reply equals the verifier's /v1/chat/completions text: assisted JSON and streamed, routed")
    func chatEqualsEndpoint() async throws {
        let serve = try await SpawnedTandem.launch([
            "serve", "--model", Bundled.target, "--port", "0", "--threads", "1",
        ])
        defer { serve.kill() }
        let url = try #require(serve.assistAddress, "serve printed: \(serve.banner)")
        let http = url.replacingOccurrences(of: "ws://", with: "http://")
        let prompt = "What is a list?"

        let body = #"{"messages":[{"role":"user","content":"What is a list?"}],"max_tokens":24,"temperature":0}"#
        guard let endpoint = URL(string: http + "/v1/chat/completions") else { throw URLError(.badURL) }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        request.timeoutInterval = 120
        let (data, _) = try await URLSession.shared.data(for: request)
        let answer = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let choices = try #require(answer["choices"] as? [[String: Any]], "\(answer)")
        let message = try #require(choices.first?["message"] as? [String: Any])
        let expected = try #require(message["content"] as? String)
        let usage = try #require(answer["usage"] as? [String: Any])

        // The bundled pair has no chat template: the endpoint uses ChatML, so does --chat-format chatml.
        let arguments = [
            "generate", "--draft", Bundled.draft, "--server", url, "--prompt", prompt, "--chat-format", "chatml",
            "--max-tokens", "24",
        ]
        let json = try await TandemCLI.run(arguments + ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["text"] as? String == expected)
        #expect((object["tokens"] as? [Int])?.count == usage["completion_tokens"] as? Int)
        let stats = try #require(object["stats"] as? [String: Any])
        #expect((stats["rounds"] as? Int ?? 0) > 0)

        // Routing every position to the server (and waiting for it): the server's own tokens, so its text.
        let routed = try await TandemCLI.run(
            arguments + ["--mode", "route", "--threshold", "1", "--route-timeout-ms", "120000", "--json"])
        #expect(routed.status == 0, "\(routed.stderr)")
        let routedObject = try #require(
            JSONSerialization.jsonObject(with: Data(routed.stdout.utf8)) as? [String: Any])
        #expect(routedObject["text"] as? String == expected)
        #expect((routedObject["stats"] as? [String: Any])?["routed_positions"] as? Int ?? 0 > 0)

        let streamed = try await TandemCLI.run(arguments)
        #expect(streamed.status == 0, "\(streamed.stderr)")
        #expect(streamed.stdout == expected + "\n")
        #expect(streamed.stderr.contains("acceptance rate"))
    }
}
