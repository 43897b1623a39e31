import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import TandemClient
import TandemLoopbackSupport
import TandemOpenAI
import TandemProxy
import TandemSecurity
import TandemServer
import Testing

/// `tandem proxy` with TLS on both sides: apps reach it over https://, it reaches its verifier over
/// wss:// (a private CA), and it refuses a verifier serving another model file or lacking the secret.
@Suite("The proxy over TLS, with model integrity", .serialized, .timeLimit(.minutes(3)))
struct ProxyTLSTests {
    static let sha = String(repeating: "ab", count: 32)
    static let secret = "proxy-secret"

    /// POST over https with `trust`.
    static func post(_ url: String, _ body: String, trust: ClientTrust) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        request.tlsConfiguration = trust.tlsConfiguration
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return HTTPAnswer(status: Int(response.status.code), body: Data(bytes.readableBytesView))
    }

    static func localhost(_ url: String) -> String { url.replacingOccurrences(of: "127.0.0.1", with: "localhost") }

    @Test(
        "https:// to the proxy, wss:// to the verifier: the text equals the verifier's own; a wrong hash or secret is refused"
    )
    func proxyOverTLS() async throws {
        let pki = try TestPKI()
        let trust = try pki.trust()
        let (target, draft, tokenizer) = try Bundled.load()
        var logger = Logger(label: "test.tls.proxy")
        logger.logLevel = .warning
        let verifier = try await VerifierServer(
            model: TargetModel(model: target, id: "target.gguf", tokenizer: tokenizer, sha256: Self.sha), port: 0,
            logger: logger, security: ServerSecurity(tls: try pki.serverTLS(), secret: VerifierSecret(Self.secret))
        ).start()
        let verifierURL = Self.localhost(verifier.assistURL)
        let body = chatBody("What is a list?", maxTokens: 32)
        func proxy(_ security: ClientSecurity) -> AssistedProxy {
            AssistedProxy(
                draft: draft, draftName: "draft.gguf", tokenizer: tokenizer,
                configuration: ProxyConfiguration(
                    verification: .server(verifierURL, preemptive: false, proactive: false), timeout: .seconds(10),
                    security: security),
                port: 0, logger: logger, tls: try? pki.serverTLS())
        }
        do {
            let direct = try await Self.post(
                Self.localhost(verifier.httpURL) + "/v1/chat/completions", body, trust: trust
            )
            .decode(ChatCompletion.self)
            let good = try await proxy(
                ClientSecurity(trust: trust, requireSha256: Self.sha, verifierSecret: VerifierSecret(Self.secret))
            ).start()
            #expect(good.httpURL.hasPrefix("https://"))
            let assisted = try await Self.post(
                Self.localhost(good.httpURL) + "/v1/chat/completions", body, trust: trust)
            await good.stop()
            #expect(assisted.status == 200, "\(assisted.text)")
            let completion = try assisted.decode(ChatCompletion.self)
            #expect(completion.choices[0].message.content == direct.choices[0].message.content)
            #expect(completion.tandem?.localTokens == 0)

            for (security, reason) in [
                (ClientSecurity(trust: trust, requireSha256: String(repeating: "0", count: 64)), "not the required"),
                (ClientSecurity(trust: trust, verifierSecret: VerifierSecret("guess")), "wrong proof"),
                (ClientSecurity(), "certificate not trusted"),
            ] {
                let refusing = try await proxy(security).start()
                let answer = try await Self.post(
                    Self.localhost(refusing.httpURL) + "/v1/chat/completions", body, trust: trust)
                await refusing.stop()
                #expect(answer.status != 200, "\(reason)")
                #expect(answer.text.contains(reason), "\(answer.text)")
            }
        } catch {
            await verifier.stop()
            throw error
        }
        await verifier.stop()
    }
}
