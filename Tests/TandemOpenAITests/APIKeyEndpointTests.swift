import Foundation
import TandemOpenAI
import TandemProxy
import TandemServer
import TandemTestSupport
import Testing

/// The verifier's OpenAI endpoints behind API keys: OpenAI's 401 and 429 shapes, per-key quotas that
/// leave other keys alone, the body cap, and the proxy presenting its key upstream.
@Suite("API keys on the OpenAI endpoints", .timeLimit(.minutes(3)))
struct APIKeyEndpointTests {
    static let keys = [
        APIKey(name: "small", key: "sk-small-0123456789", limits: KeyLimits(tokensPerMinute: 4)),
        APIKey(name: "big", key: "sk-big-0123456789"),
    ]

    static func access() -> ServerAccess { ServerAccess(keys: APIKeyring(keys: keys)) }

    /// `{"error":{…}}`'s fields.
    static func error(_ answer: HTTPAnswer) -> [String: Any] {
        answer.object["error"] as? [String: Any] ?? [:]
    }

    @Test("no key or a wrong key: 401 invalid_api_key in OpenAI's shape; /health stays open")
    func unauthorized() async throws {
        // The manual clock never moves: no rate refills during the test.
        try await withVerifier(access: Self.access(), clock: ManualClock()) { server, _, _, _ in
            for key in [nil, "sk-wrong", "sk-small-012345678"] {
                let answer = try await post(
                    server.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 2), apiKey: key)
                #expect(answer.status == 401)
                let error = Self.error(answer)
                #expect(error["type"] as? String == "invalid_request_error")
                #expect(error["code"] as? String == "invalid_api_key")
                #expect(error["param"] is NSNull)
                #expect((error["message"] as? String)?.isEmpty == false)
                #expect(!answer.text.contains("sk-small-0123456789"))
            }
            #expect(try await get(server.httpURL, "/v1/models").status == 401)
            #expect(try await get(server.httpURL, "/v1/models", apiKey: "sk-big-0123456789").status == 200)
            #expect(try await get(server.httpURL, "/health").status == 200)
            let ok = try await post(
                server.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 2), apiKey: "sk-big-0123456789")
            #expect(ok.status == 200)
            let metrics = try await get(server.httpURL, "/metrics").text
            #expect(metrics.contains("tandem_auth_refusals_total{reason=\"missing_key\"} 2"))  // the chat and /v1/models
            #expect(metrics.contains("tandem_auth_refusals_total{reason=\"invalid_key\"} 2"))
            #expect(metrics.contains("tandem_sessions_opened_total 1"))
        }
    }

    @Test("a key over its tokens per minute gets 429 rate_limit_exceeded while another key proceeds")
    func tokenQuota() async throws {
        try await withVerifier(access: Self.access(), clock: ManualClock()) { server, _, _, _ in
            let small = "sk-small-0123456789"
            // 4 tokens a minute: the first answer (8 tokens) is admitted and spends the minute.
            let first = try await post(
                server.httpURL, "/v1/chat/completions", chatBody("Count to ten", maxTokens: 8), apiKey: small)
            #expect(first.status == 200)
            let second = try await post(
                server.httpURL, "/v1/chat/completions", chatBody("Count to ten", maxTokens: 8), apiKey: small)
            #expect(second.status == 429)
            let error = Self.error(second)
            #expect(error["code"] as? String == "rate_limit_exceeded")
            #expect(error["type"] as? String == "tokens")
            #expect(error["param"] is NSNull)
            let other = try await post(
                server.httpURL, "/v1/completions", #"{"prompt":"def f(","max_tokens":4,"temperature":0}"#,
                apiKey: "sk-big-0123456789")
            #expect(other.status == 200)
            let metrics = try await get(server.httpURL, "/metrics").text
            #expect(metrics.contains("tandem_key_refusals_total{key=\"small\",reason=\"tokens_per_minute\"} 1"))
            #expect(metrics.contains("tandem_key_tokens_total{key=\"small\"}"))
            #expect(metrics.contains("tandem_key_sessions_open{key=\"small\"} 0"))
        }
    }

    @Test("a body over the server's cap gets 413")
    func bodyCap() async throws {
        try await withVerifier(limits: ServerLimits(maxBodyBytes: 1024)) { server, _, _, _ in
            let long = String(repeating: "word ", count: 400)
            let answer = try await post(server.httpURL, "/v1/chat/completions", chatBody(long, maxTokens: 2))
            #expect(answer.status == 413)
            #expect(Self.error(answer)["code"] as? String == "request_too_large")
            #expect(try await post(server.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 2)).status == 200)
        }
    }

    @Test("the proxy presents its --api-key to a keyed verifier; without it the upstream refuses")
    func proxyKey() async throws {
        try await withVerifier(access: Self.access(), clock: ManualClock()) { server, _, tokenizer, draft in
            let verification = ProxyVerification.server(server.assistURL, preemptive: false, proactive: false)
            try await withProxy(
                draft: draft, tokenizer: tokenizer, verification: verification, apiKey: "sk-big-0123456789"
            ) { proxy in
                let answer = try await post(proxy.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 6))
                #expect(answer.status == 200)
            }
            try await withProxy(draft: draft, tokenizer: tokenizer, verification: verification) { proxy in
                let answer = try await post(proxy.httpURL, "/v1/chat/completions", chatBody("Hi", maxTokens: 6))
                #expect(answer.status != 200)
            }
            let metrics = try await get(server.httpURL, "/metrics").text
            #expect(metrics.contains("tandem_key_requests_total{key=\"big\"}"))
        }
    }
}
