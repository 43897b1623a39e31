import Foundation
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemOpenAI
import TandemProxy
import TandemServer
import TandemTokenizer
import Testing

/// The verifier's OpenAI-compatible endpoints over loopback with the bundled target: what they answer
/// is the library's own target-only generation, streamed or not, in OpenAI's shapes.
@Suite("OpenAI endpoints on the verifier", .serialized, .timeLimit(.minutes(5)))
struct VerifierEndpointTests {
    /// The target's own greedy tokens for `prompt`, through the library's target-only generator.
    static func expected(_ target: Model, prompt: [Int], maxTokens: Int, stopTokens: [Int]) async throws -> [Int] {
        let verifier = InProcessVerifier(session: target.makeSession())
        let request = SessionRequest(prompt: prompt, maxTokens: maxTokens, stopTokens: stopTokens)
        return try await TargetOnlyGenerator(verifier: verifier).run(request).tokens
    }

    @Test("a non-streamed chat completion is the target's own greedy text, with usage and finish_reason")
    func chatNonStreamed() async throws {
        try await withVerifier { server, target, tokenizer, _ in
            let answer = try await post(server.httpURL, "/v1/chat/completions", chatBody("What is a list?"))
            #expect(answer.status == 200, "\(answer.text)")
            let completion = try answer.decode(ChatCompletion.self)
            #expect(completion.object == "chat.completion")
            #expect(completion.model == "target.gguf")
            #expect(completion.choices.count == 1)
            #expect(completion.choices[0].message.role == "assistant")
            let template = ChatTemplate(format: .chatml)
            let prompt = tokenizer.encode(
                template.render([ChatMessage(role: "user", content: "What is a list?")], addGenerationPrompt: true),
                parseSpecial: true)
            let tokens = try await Self.expected(
                target, prompt: prompt, maxTokens: 24, stopTokens: tokenizer.endOfGenerationIDs)
            #expect(completion.choices[0].message.content == (try tokenizer.decode(tokens, skipSpecial: true)))
            #expect(completion.usage.promptTokens == prompt.count)
            #expect(completion.usage.completionTokens == tokens.count)
            #expect(completion.usage.totalTokens == prompt.count + tokens.count)
            #expect(completion.choices[0].finishReason == (tokens.count == 24 ? "length" : "stop"))
            #expect(completion.tandem?.mode == "cloud")
            #expect(completion.id.hasPrefix("chatcmpl-"))
        }
    }

    @Test("a streamed chat completion sends the same text in chunks, usage last, then [DONE]")
    func chatStreamed() async throws {
        try await withVerifier { server, _, _, _ in
            let plain = try await post(
                server.httpURL, "/v1/chat/completions", chatBody("Explain a dict.", maxTokens: 32)
            )
            .decode(ChatCompletion.self)
            let answer = try await post(
                server.httpURL, "/v1/chat/completions",
                chatBody(
                    "Explain a dict.", maxTokens: 32, stream: true, extra: #","stream_options":{"include_usage":true}"#)
            )
            #expect(answer.status == 200)
            #expect(answer.events.last == "[DONE]")
            let (text, chunks) = try streamedChat(answer)
            #expect(text == plain.choices[0].message.content)
            #expect(chunks.first?.choices.first?.delta.role == "assistant")
            #expect(chunks.allSatisfy { $0.object == "chat.completion.chunk" && $0.id == chunks[0].id })
            let finishing = chunks.filter { $0.choices.first?.finishReason != nil }
            #expect(finishing.count == 1)
            #expect(finishing.first?.choices.first?.finishReason == plain.choices[0].finishReason)
            #expect(chunks.last?.choices.isEmpty == true)
            #expect(chunks.last?.usage == plain.usage)
            #expect(chunks.count > 3, "text arrived in several chunks")
        }
    }

    @Test("/v1/completions, streamed and not, gives the same text; stop strings cut it")
    func textCompletions() async throws {
        try await withVerifier { server, _, _, _ in
            let body = #"{"model":"target","prompt":"The list","max_tokens":40,"temperature":0"#
            let plain = try await post(server.httpURL, "/v1/completions", body + "}")
            #expect(plain.status == 200, "\(plain.text)")
            let completion = try plain.decode(TextCompletion.self)
            #expect(completion.object == "text_completion")
            let full = completion.choices[0].text
            #expect(!full.isEmpty)
            let streamed = try await post(server.httpURL, "/v1/completions", body + #","stream":true}"#)
            #expect(streamed.events.last == "[DONE]")
            let pieces = try streamed.events.dropLast().map {
                try JSONDecoder().decode(TextCompletion.self, from: Data($0.utf8))
            }
            #expect(pieces.flatMap(\.choices).map(\.text).joined() == full)
            // A stop string from the middle of the text: the answer is the text before it.
            let words = full.split(separator: " ")
            guard words.count >= 3 else { return }
            let stop = " " + words[2]
            let stopped = try await post(
                server.httpURL, "/v1/completions",
                body + #","stop":["#
                    + String(decoding: try JSONEncoder().encode(String(stop)), as: UTF8.self) + "]}")
            let cut = try stopped.decode(TextCompletion.self)
            let range = try #require(full.range(of: stop))
            #expect(cut.choices[0].text == String(full[..<range.lowerBound]))
            #expect(cut.choices[0].finishReason == "stop")
        }
    }

    @Test("GET /v1/models lists the model in OpenAI's shape")
    func models() async throws {
        try await withVerifier { server, _, _, _ in
            let answer = try await get(server.httpURL, "/v1/models")
            let list = try answer.decode(OpenAIModelList.self)
            #expect(list.object == "list")
            #expect(list.data.map(\.id) == ["target.gguf"])
            #expect(list.data[0].object == "model")
            #expect(list.data[0].created > 0)
        }
    }

    static let refusals: [(name: String, path: String, body: String, status: Int, param: String?, code: String?)] = [
        ("bad JSON", "/v1/chat/completions", #"{"messages": [ "#, 400, nil, nil),
        ("not an object", "/v1/chat/completions", "[1, 2]", 400, nil, nil),
        (
            "missing messages", "/v1/chat/completions", #"{"max_tokens": 4}"#, 400, "messages",
            "missing_required_parameter"
        ),
        ("empty messages", "/v1/chat/completions", #"{"messages": []}"#, 400, "messages", "empty_array"),
        (
            "n = 2", "/v1/chat/completions", #"{"messages":[{"role":"user","content":"Hi"}],"n":2}"#, 400, "n",
            "unsupported_value"
        ),
        (
            "unknown model", "/v1/chat/completions", #"{"model":"gpt-9","messages":[{"role":"user","content":"Hi"}]}"#,
            404, "model", "model_not_found"
        ),
        (
            "max_tokens 0", "/v1/chat/completions", #"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":0}"#,
            400, "max_tokens", "integer_below_min_value"
        ),
        (
            "max_tokens -3", "/v1/completions", #"{"prompt":"Hi","max_tokens":-3}"#, 400, "max_tokens",
            "integer_below_min_value"
        ),
        (
            "past the context", "/v1/chat/completions",
            #"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":100000}"#, 400, "messages",
            "context_length_exceeded"
        ),
        (
            "wrong type", "/v1/chat/completions", #"{"messages":[{"role":"user","content":"Hi"}],"temperature":"hot"}"#,
            400, "temperature", "invalid_type"
        ),
        (
            "temperature out of range", "/v1/completions", #"{"prompt":"Hi","temperature":3}"#, 400, "temperature",
            "invalid_value"
        ),
        ("missing prompt", "/v1/completions", #"{"max_tokens":4}"#, 400, "prompt", "missing_required_parameter"),
        (
            "stream_options without stream", "/v1/completions",
            #"{"prompt":"Hi","stream_options":{"include_usage":true}}"#,
            400, "stream_options", "invalid_value"
        ),
    ]

    @Test("invalid requests get OpenAI-shaped errors with the right status, and the server keeps serving")
    func refusals() async throws {
        try await withVerifier { server, _, _, _ in
            for r in Self.refusals {
                let answer = try await post(server.httpURL, r.path, r.body)
                #expect(answer.status == r.status, "\(r.name): \(answer.text)")
                let error = try #require(answer.object["error"] as? [String: Any], "\(r.name): \(answer.text)")
                #expect((error["message"] as? String)?.isEmpty == false, "\(r.name)")
                #expect(error["type"] is String, "\(r.name)")
                #expect(error.keys.contains("param") && error.keys.contains("code"), "\(r.name): null, not absent")
                #expect(error["param"] as? String == r.param, "\(r.name): \(answer.text)")
                #expect(error["code"] as? String == r.code, "\(r.name): \(answer.text)")
            }
            let after = try await post(server.httpURL, "/v1/chat/completions", chatBody("Still there?", maxTokens: 4))
            #expect(after.status == 200, "the server still serves: \(after.text)")
        }
    }

    @Test("unknown fields are ignored, as OpenAI servers do")
    func unknownFields() async throws {
        try await withVerifier { server, _, _, _ in
            let answer = try await post(
                server.httpURL, "/v1/chat/completions",
                chatBody("Hi", maxTokens: 4, extra: #","user":"u1","metadata":{"a":1},"frequency_penalty":0"#))
            #expect(answer.status == 200, "\(answer.text)")
        }
    }

    @Test("with every session slot taken a request gets 429, and is served once a slot is free")
    func busy() async throws {
        try await withVerifier(limits: ServerLimits(maxSessions: 1)) { server, _, tokenizer, _ in
            // A WebSocket session holds the only slot.
            let session = RemoteVerifier(.init(url: server.assistURL, draftFingerprint: tokenizer.fingerprint))
            _ = try await session.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 8))
            let refused = try await post(server.httpURL, "/v1/completions", #"{"prompt":"B","max_tokens":2}"#)
            #expect(refused.status == 429, "\(refused.text)")
            let error = refused.object["error"] as? [String: Any]
            #expect(error?["code"] as? String == "rate_limit_exceeded")
            #expect(error?["type"] as? String == "rate_limit_error")
            await session.close()
            // The slot is freed when the server has read the close; ask until it has (bounded).
            var status = 0
            for _ in 0..<100 where status != 200 {
                status = try await post(server.httpURL, "/v1/completions", #"{"prompt":"C","max_tokens":2}"#).status
                if status != 200 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status == 200)
        }
    }

    @Test("sampling: the same seed gives the same text, and the proxy samples with the lossless rule")
    func sampled() async throws {
        try await withVerifier { server, _, tokenizer, draft in
            let body = chatBody(
                "Tell me about sets.", maxTokens: 32, extra: #","temperature":0.9,"top_p":0.95,"seed":7"#
            )
            .replacingOccurrences(of: #""temperature":0,"#, with: "")
            let first = try await post(server.httpURL, "/v1/chat/completions", body).decode(ChatCompletion.self)
            let second = try await post(server.httpURL, "/v1/chat/completions", body).decode(ChatCompletion.self)
            #expect(first.choices[0].message.content == second.choices[0].message.content)
            #expect(first.usage.completionTokens > 0)
            let verification = ProxyVerification.resilient(
                VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)
            try await withProxy(draft: draft, tokenizer: tokenizer, verification: verification) { proxy in
                let answer = try await post(proxy.httpURL, "/v1/chat/completions", body)
                #expect(answer.status == 200, "\(answer.text)")
                let stats = try #require(try answer.decode(ChatCompletion.self).tandem)
                #expect(stats.mode == "assisted")
                #expect(stats.localTokens == 0)
            }
        }
    }
}
