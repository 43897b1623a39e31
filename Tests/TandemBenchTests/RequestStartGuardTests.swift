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
        try await withVerifierServer(model: target, limits: ServerLimits(requestHeadTimeout: .seconds(2))) {
            _, running in try await body(running.port)
        }
    }

    static func errorCode(_ response: RawHTTPResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return (object?["error"] as? [String: Any])?["code"] as? String
    }

    /// Sends `bytes` on a fresh connection and expects `status` with error `code` within `timeout`.
    func expectRefusal(_ bytes: String, port: Int, status: Int, code: String, within timeout: Duration) async {
        let exchange = RawHTTPExchange(host: "127.0.0.1", port: port)
        guard case .answered(let response) = await exchange.send(Array(bytes.utf8), timeout: timeout) else {
            Issue.record("no answer to \(bytes.debugDescription) within \(timeout)")
            return
        }
        #expect(response.status == status, "\(bytes.debugDescription)")
        #expect(Self.errorCode(response) == code)
        #expect(response.headers["connection"] == "close")
    }

    @Test("a malformed request line or header gets 400 at once, and the connection closes")
    func malformed() async throws {
        try await withServer { port in
            for bytes in [
                "GARBAGE\r\n\r\n", "GET /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                "GET / HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
            ] {
                // Well inside the 2 s head timeout: answered by the parser's error, not the timer.
                await expectRefusal(bytes, port: port, status: 400, code: "bad_request", within: .milliseconds(1500))
            }
        }
    }

    @Test("a silent connection and a head that never ends get 408 after the head timeout")
    func silentAndTrickling() async throws {
        try await withServer { port in
            for bytes in ["", "GET /health HTTP/1.1\r\nHost: x\r\n"] {
                await expectRefusal(bytes, port: port, status: 408, code: "request_timeout", within: .seconds(10))
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
            try await Task.sleep(for: .milliseconds(2500))
            let verdict = try await verifier.verify(DraftRound(round: 1, base: 3, drafts: [4, 5]))
            #expect(verdict.accepted <= 2)
            await verifier.close()
        }
    }
}
