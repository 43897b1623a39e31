import Foundation
import TandemClient
import TandemDecoding
import TandemLoopbackSupport
import TandemModel
import TandemServer
import TandemTokenizer
import Testing

@testable import TandemBench

/// Before a connection's first request the server answers what the HTTP layer would leave hanging:
/// an unparseable request gets 400 at once, a silent or trickling one 408 after the head timeout,
/// each in OpenAI's error shape, and the connection is closed; well-formed requests are untouched.
@Suite("the first request's guard")
struct RequestStartGuardTests {
    func withServer(_ body: (Int) async throws -> Void) async throws {
        let model = try Model(path: LoadBenchmarkTests.target, threads: 1)
        let tokenizer = try Tokenizer(gguf: model.file)
        let target = TargetModel(model: model, id: "target.gguf", tokenizer: tokenizer)
        try await withVerifierServer(model: target, limits: ServerLimits(requestHeadTimeout: .milliseconds(500))) {
            _, running in try await body(running.port)
        }
    }

    static func errorCode(_ response: RawHTTPResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return (object?["error"] as? [String: Any])?["code"] as? String
    }

    @Test("a malformed request line or header gets 400 at once, and the connection closes")
    func malformed() async throws {
        try await withServer { port in
            let exchange = RawHTTPExchange(host: "127.0.0.1", port: port)
            for bytes in [
                "GARBAGE\r\n\r\n", "GET /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                "GET / HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
            ] {
                let clock = ContinuousClock()
                let started = clock.now
                guard case .answered(let response) = await exchange.send(Array(bytes.utf8), timeout: .seconds(5))
                else {
                    Issue.record("no answer to \(bytes.debugDescription)")
                    continue
                }
                #expect(response.status == 400, "\(bytes.debugDescription)")
                #expect(Self.errorCode(response) == "bad_request")
                #expect(response.headers["connection"] == "close")
                #expect(clock.now - started < .seconds(5), "answered, not timed out")
            }
        }
    }

    @Test("a silent connection and a head that never ends get 408 after the head timeout")
    func silentAndTrickling() async throws {
        try await withServer { port in
            let exchange = RawHTTPExchange(host: "127.0.0.1", port: port)
            for bytes in ["", "GET /health HTTP/1.1\r\nHost: x\r\n"] {
                guard case .answered(let response) = await exchange.send(Array(bytes.utf8), timeout: .seconds(10))
                else {
                    Issue.record("no answer to \(bytes.debugDescription)")
                    continue
                }
                #expect(response.status == 408, "\(bytes.debugDescription)")
                #expect(Self.errorCode(response) == "request_timeout")
            }
        }
    }

    @Test("well-formed requests are answered as before, whatever the head timeout")
    func wellFormed() async throws {
        try await withServer { port in
            let exchange = RawHTTPExchange(host: "127.0.0.1", port: port)
            let request = RawHTTPExchange.request(method: "GET", path: "/health", contentType: nil, body: [])
            guard case .answered(let response) = await exchange.send(request, timeout: .seconds(10)) else {
                Issue.record("no answer to GET /health")
                return
            }
            #expect(response.status == 200)
            // A WebSocket session outlives the head timeout: the upgrade counts as the first request.
            let info = try await LoadBenchmark.modelInfo(host: "127.0.0.1", port: port)
            let verifier = RemoteVerifier(
                .init(
                    url: "ws://127.0.0.1:\(port)", draftFingerprint: info.fingerprint, timeout: .seconds(10),
                    maxReconnects: 0))
            _ = try await verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 8))
            try await Task.sleep(for: .milliseconds(900))
            let verdict = try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [4, 5]))
            #expect(verdict.accepted <= 2)
            await verifier.close()
        }
    }
}
