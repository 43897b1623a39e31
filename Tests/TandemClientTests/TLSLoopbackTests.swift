import Foundation
import Logging
import TandemCoordinator
import TandemDecoding
import TandemLoopbackSupport
import TandemModel
import TandemModelAdapter
import TandemSecurity
import TandemServer
import TandemTestSupport
import TandemTokenizer
import TandemWire
import Testing

@testable import TandemClient

/// TLS on every hop, over loopback, with a CA and certificate made at test time (`TestPKI`).
@Suite("TLS: wss:// and https:// over loopback", .serialized, .timeLimit(.minutes(3)))
struct TLSLoopbackTests {
    /// The bundled pair under Models/.
    static func bundled() throws -> (target: Model, draft: Model, tokenizer: Tokenizer) {
        let target = try Model(path: Bundled.target, threads: 1)
        let draft = try Model(path: Bundled.draft, threads: 1)
        return (target, draft, try Tokenizer(gguf: target.file))
    }

    /// The test certificate names `localhost` (a wss:// client needs a host name for SNI).
    static func localhost(_ url: String) -> String {
        url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
    }

    @Test("a full assisted generation over wss:// equals the plain ws:// one (bundled pair)")
    func assistedOverTLS() async throws {
        let pki = try TestPKI()
        let (target, draft, tokenizer) = try Self.bundled()
        let model = TargetModel(model: target, id: "target.gguf", tokenizer: tokenizer)
        let request = SessionRequest(prompt: tokenizer.encode("Return the"), maxTokens: 24)
        func generate(_ url: String, _ security: ClientSecurity) async throws -> GenerationResult {
            let client = AssistedClient(
                draft: draft, draftName: "draft.gguf", tokenizer: tokenizer, server: url, policy: FixedWindow(4),
                timeout: .seconds(30), security: security)
            return try await client.run(request).0
        }
        let plain = try await withServer(model: model) { server in
            try await generate(server.assistURL, ClientSecurity())
        }
        let secure = try await withVerifierServer(model: model, security: ServerSecurity(tls: try pki.serverTLS())) {
            _, server in
            #expect(server.assistURL.hasPrefix("wss://"))
            #expect(server.httpURL.hasPrefix("https://"))
            return try await generate(Self.localhost(server.assistURL), ClientSecurity(trust: try pki.trust()))
        }
        #expect(plain.tokens.count > request.prompt.count)
        #expect(secure.tokens == plain.tokens)
        #expect(secure.stats.rounds > 0)
    }

    @Test("a client that does not trust the certificate gets a clear TLS error, not a timeout")
    func untrustedCertificateRefused() async throws {
        let pki = try TestPKI()
        let otherCA = try TestPKI(commonName: "Another CA")
        try await withVerifierServer(security: ServerSecurity(tls: try pki.serverTLS())) { _, server in
            for trust in [ClientTrust.system, try otherCA.trust()] {
                let verifier = RemoteVerifier(
                    .init(
                        url: Self.localhost(server.assistURL), draftFingerprint: Toys.fingerprint,
                        timeout: .seconds(60), maxReconnects: 3, logger: quietLogger(),
                        security: ClientSecurity(trust: trust)))
                do {
                    _ = try await verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 4))
                    Issue.record("a server with an untrusted certificate was accepted")
                } catch let error as ClientError {
                    // A hang would end as ClientError.timeout after 60 s; this is the handshake's own answer.
                    guard case .tlsFailed(_, let reason) = error else {
                        Issue.record("expected tlsFailed, got \(error)")
                        continue
                    }
                    #expect(reason.contains("certificate not trusted"), "\(reason)")
                    #expect(reason.contains("--ca FILE"))
                    #expect(error.description.contains("TLS handshake failed"))
                }
                await verifier.close()
            }
        }
    }

    @Test("the coordinator over https://: a TLS verifier registers signed, a client lists it and generates over wss://")
    func coordinatorOverHTTPS() async throws {
        let pki = try TestPKI()
        let secret = "tls-test-secret"
        let coordinator = try await CoordinatorServer(
            registry: VerifierRegistry(secret: secret), port: 0, logger: quietLogger(), tls: try pki.serverTLS()
        ).start()
        #expect(coordinator.url.hasPrefix("https://"))
        let coordinatorURL = Self.localhost(coordinator.url)
        let security = ServerSecurity(tls: try pki.serverTLS(), secret: VerifierSecret(secret))
        do {
            try await withVerifierServer(security: security) { verifierServer, server in
                let address = Self.localhost(server.assistURL)
                let registration = CoordinatorRegistration(
                    coordinator: coordinatorURL, secret: secret,
                    registration: VerifierRegistration(
                        address: address, model: "toy-target", tokenizerFingerprint: Toys.fingerprint,
                        modelSha256: String(repeating: "a", count: 64), contextLength: 256, capacity: 4),
                    retryInterval: .milliseconds(50), logger: quietLogger(), trust: try pki.trust())
                let agent = Task { await registration.run(load: { verifierServer.currentLoad }) }
                defer { agent.cancel() }
                let directory = VerifierDirectory(
                    .coordinator(url: coordinatorURL, fingerprint: Toys.fingerprint, sha256: nil),
                    security: ClientSecurity(trust: try pki.trust(), verifierSecret: VerifierSecret(secret)))
                var addresses: [String] = []
                for _ in 0..<400 where addresses.isEmpty {
                    addresses = (try? await directory.candidates()) ?? []
                    if addresses.isEmpty { try await Task.sleep(for: .milliseconds(25)) }
                }
                #expect(addresses == [address])
                let listing = try await directory.fetch(url: coordinatorURL, fingerprint: Toys.fingerprint, sha256: nil)
                let entry = try #require(listing.verifiers.first)
                #expect(entry.signature != nil && entry.signedAt != nil, "the verifier signed its entry")
                #expect(VerifierSecret(secret)?.verifies(entry.registration) == true)

                let (verifier, client) = failoverClient(directory)
                let result = try await client.run(SessionRequest(prompt: [1, 5, 9], maxTokens: 30)).result
                #expect(result.tokens == Toys.target.greedy(prompt: [1, 5, 9], count: 30))
                #expect(result.counters.localTokens == 0)
                #expect(await verifier.history == [address])

                // Without the CA the coordinator's certificate is refused, with the TLS reason.
                let untrusting = VerifierDirectory(
                    .coordinator(url: coordinatorURL, fingerprint: Toys.fingerprint, sha256: nil))
                await #expect {
                    _ = try await untrusting.fetch(url: coordinatorURL, fingerprint: Toys.fingerprint, sha256: nil)
                } throws: { error in
                    guard case .tlsFailed(_, let reason) = error as? ClientError else { return false }
                    return reason.contains("certificate not trusted")
                }
            }
        } catch {
            await coordinator.stop()
            throw error
        }
        await coordinator.stop()
    }

    @Test("missing, unreadable and bad PEM files are typed errors naming the file")
    func badPEMFiles() throws {
        let pki = try TestPKI()
        let files = try pki.writeFiles()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let garbage = files.directory.appendingPathComponent("garbage.pem").path
        try "not a certificate\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let broken = files.directory.appendingPathComponent("broken.pem").path
        try "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".write(
            toFile: broken, atomically: true, encoding: .utf8)
        let missing = files.directory.appendingPathComponent("missing.pem").path

        #expect(throws: TLSSetupError.unreadable(path: missing, reason: "no such file")) {
            _ = try ServerTLS(certificateFile: missing, keyFile: files.key)
        }
        #expect(throws: TLSSetupError.unreadable(path: files.directory.path, reason: "it is a directory")) {
            _ = try ClientTrust(caFile: files.directory.path)
        }
        for bad in [garbage, broken] {
            do {
                _ = try ServerTLS(certificateFile: bad, keyFile: files.key)
                Issue.record("\(bad) was accepted as a certificate")
            } catch {
                guard case .badPEM(let path, _) = error else {
                    Issue.record("expected badPEM, got \(error)")
                    continue
                }
                #expect(path == bad)
                #expect(error.description.contains(bad))
            }
        }
        // A certificate where the key should be, and a key from another pair.
        #expect(throws: TLSSetupError.self) { _ = try ServerTLS(certificateFile: files.certificate, keyFile: files.ca) }
        let other = try TestPKI().writeFiles()
        defer { try? FileManager.default.removeItem(at: other.directory) }
        #expect(throws: TLSSetupError.self) {
            _ = try ServerTLS(certificateFile: files.certificate, keyFile: other.key)
        }
        #expect(throws: TLSSetupError.incomplete("--tls-cert needs --tls-key (the certificate's private key, PEM)")) {
            _ = try ServerTLS.load(certificateFile: files.certificate, keyFile: nil)
        }
        // The good files load.
        #expect(try ServerTLS.load(certificateFile: files.certificate, keyFile: files.key) != nil)
        #expect(try ClientTrust(caFile: files.ca).additionalRoots.count == 1)
    }
}
