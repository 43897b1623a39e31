import Foundation
import TandemClient
import TandemDecoding
import TandemOpenAI
import TandemProxy
import TandemServer
import TandemTokenizer
import Testing

/// `tandem proxy`'s library: the same endpoints on localhost, each completion by assisted decoding
/// with the bundled draft against the bundled target's verifier over loopback.
@Suite("The assisting OpenAI proxy", .serialized, .timeLimit(.minutes(5)))
struct ProxyTests {
    static let prompts = ["What is a list?", "Explain a dict.", "How do I open a file?"]

    @Test("greedy: the proxy's text equals the verifier's own /v1/chat/completions text, streamed and not")
    func greedyEquivalence() async throws {
        try await withVerifier { server, _, tokenizer, draft in
            let verification = ProxyVerification.resilient(
                VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)
            try await withProxy(draft: draft, tokenizer: tokenizer, verification: verification) { proxy in
                for prompt in Self.prompts {
                    let direct = try await post(server.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 48))
                        .decode(ChatCompletion.self)
                    let assisted = try await post(
                        proxy.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 48))
                    #expect(assisted.status == 200, "\(assisted.text)")
                    let completion = try assisted.decode(ChatCompletion.self)
                    #expect(completion.choices[0].message.content == direct.choices[0].message.content, "\(prompt)")
                    #expect(completion.usage == direct.usage, "\(prompt)")
                    #expect(completion.choices[0].finishReason == direct.choices[0].finishReason)
                    let stats = try #require(completion.tandem)
                    #expect(stats.mode == "assisted")
                    #expect(stats.localTokens == 0)
                    #expect(stats.rounds > 0)
                    #expect(stats.tokensPerRound >= 1)
                    let streamed = try await post(
                        proxy.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 48, stream: true))
                    let (text, chunks) = try streamedChat(streamed)
                    #expect(text == direct.choices[0].message.content, "streamed: \(prompt)")
                    #expect(streamed.events.last == "[DONE]")
                    #expect(chunks.compactMap(\.tandem).count == 1, "the stats ride on the finishing chunk")
                }
                let metrics = try await get(proxy.httpURL, "/metrics")
                #expect(metrics.text.contains("tandem_proxy_completions_total \(Double(2 * Self.prompts.count))"))
                #expect(metrics.text.contains("tandem_proxy_acceptance_rate"))
            }
        }
    }

    @Test("/v1/completions through the proxy equals the verifier's")
    func textCompletion() async throws {
        try await withVerifier { server, _, tokenizer, draft in
            let verification = ProxyVerification.resilient(
                VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)
            try await withProxy(draft: draft, tokenizer: tokenizer, verification: verification) { proxy in
                let body = #"{"prompt":"The dictionary","max_tokens":40,"temperature":0,"stop":["\n\n"]}"#
                let direct = try await post(server.httpURL, "/v1/completions", body).decode(TextCompletion.self)
                let assisted = try await post(proxy.httpURL, "/v1/completions", body).decode(TextCompletion.self)
                #expect(assisted.choices[0].text == direct.choices[0].text)
                #expect(assisted.choices[0].finishReason == direct.choices[0].finishReason)
                let models = try await get(proxy.httpURL, "/v1/models").decode(OpenAIModelList.self)
                #expect(models.data.map(\.id) == ["draft.gguf"])
            }
        }
    }

    @Test("concurrent requests each get their own session and the verifier's own text")
    func concurrent() async throws {
        try await withVerifier { server, _, tokenizer, draft in
            let verification = ProxyVerification.resilient(
                VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)
            try await withProxy(draft: draft, tokenizer: tokenizer, verification: verification) { proxy in
                var expected: [String: String] = [:]
                for prompt in Self.prompts {
                    expected[prompt] = try await post(
                        server.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 40)
                    ).decode(ChatCompletion.self).choices[0].message.content
                }
                try await withThrowingTaskGroup(of: (String, String).self) { group in
                    for prompt in Self.prompts {
                        group.addTask {
                            let answer = try await post(
                                proxy.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 40, stream: true))
                            return (prompt, try streamedChat(answer).text)
                        }
                    }
                    var seen = 0
                    for try await (prompt, text) in group {
                        #expect(text == expected[prompt], "\(prompt)")
                        seen += 1
                    }
                    #expect(seen == Self.prompts.count)
                }
            }
        }
    }

    @Test("a verifier connection dropped mid-generation: the text is still the verifier's, nothing lost or repeated")
    func droppedConnection() async throws {
        let prompt = "How do I open a file?"
        let expected = try await withVerifier { server, _, _, _ in
            try await post(server.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 48))
                .decode(ChatCompletion.self).choices[0].message.content
        }
        try await withVerifier(faults: FaultInjection(dropConnectionAtVerify: 3)) { server, _, tokenizer, draft in
            let verification = ProxyVerification.resilient(
                VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)
            try await withProxy(draft: draft, tokenizer: tokenizer, verification: verification) { proxy in
                let answer = try await post(
                    proxy.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 48, stream: true))
                #expect(try streamedChat(answer).text == expected)
                #expect(answer.events.last == "[DONE]")
            }
        }
    }

    @Test("no verifier reachable: the proxy still answers, from the draft alone, and says so")
    func offline() async throws {
        let (_, draft, tokenizer) = try Bundled.load()
        // A port nothing listens on: every attempt to reach a verifier fails at once.
        let verification = ProxyVerification.resilient(
            VerifierDirectory(.addresses(["ws://127.0.0.1:9"])), requireSha256: nil)
        try await withProxy(draft: draft, tokenizer: tokenizer, verification: verification) { proxy in
            let answer = try await post(proxy.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 16))
            #expect(answer.status == 200, "\(answer.text)")
            let completion = try answer.decode(ChatCompletion.self)
            let stats = try #require(completion.tandem)
            #expect(stats.localTokens == completion.usage.completionTokens)
        }
    }

    @Test("routing mode and the draft alone answer in the same shapes, and say how they made the text")
    func otherModes() async throws {
        try await withVerifier { server, _, tokenizer, draft in
            let routing = RoutedGenerator.Configuration(policy: RoutingPolicy(threshold: 0.4))
            try await withProxy(draft: draft, tokenizer: tokenizer, verification: .route(server.assistURL, routing)) {
                proxy in
                let answer = try await post(proxy.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 16))
                #expect(answer.status == 200, "\(answer.text)")
                #expect(try answer.decode(ChatCompletion.self).tandem?.mode == "routed")
            }
            try await withProxy(draft: draft, tokenizer: tokenizer, verification: .localOnly) { proxy in
                let answer = try await post(
                    proxy.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 16, stream: true))
                let (text, chunks) = try streamedChat(answer)
                #expect(!text.isEmpty)
                let stats = try #require(chunks.compactMap(\.tandem).first)
                #expect(stats.mode == "local")
                #expect(stats.cloudPassesPerToken == 0)
            }
        }
    }

    @Test("the verifier going down mid-stream: the stream completes from the draft alone, nothing lost or repeated")
    func verifierGoesDown() async throws {
        let prompt = "How do I open a file?"
        let verified = try await withVerifier { server, _, _, _ in
            try await post(server.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 48))
                .decode(ChatCompletion.self).choices[0].message.content
        }
        // Three rounds of three drafts are verified, then the verifier is dead for good (fixed windows
        // and greedy decoding make the point where it dies, and so the whole text, reproducible).
        func run(stream: Bool) async throws -> (text: String, stats: TandemCompletionStats?, done: Bool) {
            try await withVerifier(faults: FaultInjection(goDownAtVerify: 4)) { server, _, tokenizer, draft in
                let verification = ProxyVerification.resilient(
                    VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)
                return try await withProxy(
                    draft: draft, tokenizer: tokenizer, verification: verification, makePolicy: { FixedWindow(3) }
                ) { proxy in
                    let answer = try await post(
                        proxy.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 48, stream: stream))
                    #expect(answer.status == 200, "\(answer.text)")
                    if stream {
                        let (text, chunks) = try streamedChat(answer)
                        return (text, chunks.compactMap(\.tandem).first, answer.events.last == "[DONE]")
                    }
                    let completion = try answer.decode(ChatCompletion.self)
                    return (completion.choices[0].message.content, completion.tandem, true)
                }
            }
        }
        let streamed = try await run(stream: true)
        let plain = try await run(stream: false)
        #expect(streamed.done)
        #expect(streamed.text == plain.text, "the streamed deltas are the whole text, once")
        let stats = try #require(streamed.stats)
        #expect(stats.localTokens > 0, "the draft finished alone")
        #expect(stats.localTokens == plain.stats?.localTokens)
        #expect(stats.rounds >= 3)
        // The verified rounds' text is the verifier's own.
        let common = zip(streamed.text, verified).prefix { $0 == $1 }.count
        #expect(common >= 3, "streamed \(streamed.text.debugDescription) vs \(verified.debugDescription)")
    }

    @Test("AssistedChat: messages in, deltas and a reply out, the same text as the verifier's endpoint")
    func assistedChat() async throws {
        try await withVerifier { server, _, tokenizer, draft in
            let prompt = "Explain a dict."
            let direct = try await post(server.httpURL, "/v1/chat/completions", chatBody(prompt, maxTokens: 40))
                .decode(ChatCompletion.self)
            let chat = AssistedChat(
                draft: draft, draftName: "draft.gguf", tokenizer: tokenizer,
                configuration: ProxyConfiguration(
                    verification: .resilient(VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)))
            var deltas = ""
            var reply: AssistedChatReply?
            for try await event in chat.reply(to: [ChatMessage(role: "user", content: prompt)], maxTokens: 40) {
                switch event {
                case .text(let piece): deltas += piece
                case .finished(let r): reply = r
                }
            }
            let r = try #require(reply)
            #expect(r.text == direct.choices[0].message.content)
            #expect(deltas == r.text)
            #expect(r.finishReason == direct.choices[0].finishReason)
            #expect(r.promptTokens == direct.usage.promptTokens)
            #expect(r.stats.rounds > 0)
            await #expect(throws: OpenAIError.self) {
                for try await _ in chat.reply(to: [ChatMessage(role: "user", content: "Hi")], maxTokens: 100_000) {}
            }
        }
    }
}

@Suite("The proxy's model name", .serialized, .timeLimit(.minutes(5)))
struct ProxyModelNameTests {
    @Test("any model name is served and echoed by default, as llama.cpp's server does; aliases are listed")
    func anyName() async throws {
        try await withVerifier { server, _, tokenizer, draft in
            let verification = ProxyVerification.resilient(
                VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)
            let direct = try await post(server.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 8))
                .decode(ChatCompletion.self)
            try await withProxy(
                draft: draft, tokenizer: tokenizer, verification: verification, aliases: ["local-coder"]
            ) { proxy in
                // What apps send: the verifier's own id (from its /v1/models), a fixed OpenAI name.
                for name in ["target.gguf", "gpt-4o-mini"] {
                    let answer = try await post(
                        proxy.httpURL, "/v1/chat/completions",
                        chatBody("Hi", maxTokens: 8, extra: #","model":"\#(name)""#))
                    #expect(answer.status == 200, "\(name): \(answer.text)")
                    let completion = try answer.decode(ChatCompletion.self)
                    #expect(completion.model == name)
                    #expect(completion.choices[0].message.content == direct.choices[0].message.content)
                }
                let plain = try await post(proxy.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 8))
                    .decode(ChatCompletion.self)
                #expect(plain.model == "draft.gguf")
                let models = try await get(proxy.httpURL, "/v1/models").decode(OpenAIModelList.self)
                #expect(models.data.map(\.id) == ["draft.gguf", "local-coder"])
            }
        }
    }

    @Test("strict: names other than the model's and its aliases are 404 model_not_found, as vLLM does")
    func strict() async throws {
        try await withVerifier { server, _, tokenizer, draft in
            let verification = ProxyVerification.resilient(
                VerifierDirectory(.addresses([server.assistURL])), requireSha256: nil)
            try await withProxy(
                draft: draft, tokenizer: tokenizer, verification: verification, aliases: ["local-coder"],
                acceptsAnyModelName: false
            ) { proxy in
                let refused = try await post(
                    proxy.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 4, extra: #","model":"gpt-4o""#))
                #expect(refused.status == 404)
                let error = refused.object["error"] as? [String: Any]
                #expect(error?["code"] as? String == "model_not_found")
                let alias = try await post(
                    proxy.httpURL, "/v1/chat/completions",
                    chatBody("Hi", maxTokens: 4, extra: #","model":"local-coder""#))
                #expect(alias.status == 200, "\(alias.text)")
                #expect(try alias.decode(ChatCompletion.self).model == "local-coder")
            }
        }
    }
}
