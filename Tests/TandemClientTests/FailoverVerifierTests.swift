import Crypto
import Foundation
import Logging
import TandemClient
import TandemCoordinator
import TandemDecoding
import TandemLoopbackSupport
import TandemServer
import TandemTestSupport
import TandemWire
import TandemWireConversions
import Testing

/// A toy target that reports a model hash.
func hashedToyTarget(_ sha256: String) -> TargetModel {
    let model = Toys.target
    return TargetModel(
        id: "toy-target", fingerprint: Toys.fingerprint, vocabularySize: model.vocabularySize,
        contextLength: model.contextLength, sha256: sha256
    ) { model.makeSession() }
}

func failoverClient(
    _ directory: VerifierDirectory, requireSha256: String? = nil,
    fingerprint: String = Toys.fingerprint
) -> (FailoverVerifier, ResilientClient) {
    let verifier = FailoverVerifier(
        .init(
            directory: directory, draftFingerprint: fingerprint, draftModel: "toy-draft",
            requireSha256: requireSha256, timeout: .seconds(10), logger: quietLogger()))
    let client = ResilientClient(
        drafter: ModelDrafter(session: Toys.draft.makeSession()), verifier: verifier, policy: FixedWindow(3))
    return (verifier, client)
}

@Suite("Failover verifier, directory and model hash over loopback servers", .timeLimit(.minutes(2)))
struct FailoverVerifierTests {
    static let shaA = String(repeating: "a", count: 64), shaB = String(repeating: "b", count: 64)

    @Test("an explicit list: a dead first address is skipped and the output is the target's")
    func explicitListSkipsDeadAddress() async throws {
        try await withServer { live in
            // Stopped while `live` holds its port, so the dead address cannot be the live one.
            let dead = try await VerifierServer(model: Toys.targetModel(), port: 0, logger: quietLogger()).start()
            let deadURL = "ws://127.0.0.1:\(dead.port)"
            await dead.stop()
            let liveURL = "ws://127.0.0.1:\(live.port)"
            let (verifier, client) = failoverClient(VerifierDirectory(.addresses([deadURL, liveURL])))
            let result = try await client.run(SessionRequest(prompt: [1, 5, 9], maxTokens: 40)).result
            #expect(result.tokens == Toys.target.greedy(prompt: [1, 5, 9], count: 40))
            #expect(result.counters.localTokens == 0)
            #expect(result.counters.failovers == 0)
            #expect(await verifier.history == [liveURL])
        }
    }

    @Test("a required model hash skips servers reporting another; opened and /v1/models carry the hash")
    func requiredHash() async throws {
        try await withServer(model: hashedToyTarget(Self.shaA)) { a in
            try await withServer(model: hashedToyTarget(Self.shaB)) { b in
                let (_, models) = try await httpGet(b.httpURL + "/v1/models")
                #expect(models.contains(Self.shaB))
                let raw = try await RawConnection.connect(a)
                guard case .opened(let opened) = try await raw.send(openMessage()) else {
                    Issue.record("no opened")
                    return
                }
                #expect(opened.modelSha256 == Self.shaA)
                await raw.close()

                let list = VerifierDirectory(.addresses([a.assistURL, b.assistURL]))
                let (verifier, client) = failoverClient(list, requireSha256: Self.shaB.uppercased())
                let result = try await client.run(SessionRequest(prompt: [2, 4], maxTokens: 20)).result
                #expect(result.tokens == Toys.target.greedy(prompt: [2, 4], count: 20))
                #expect(await verifier.history == [b.assistURL])

                let (_, nowhere) = failoverClient(list, requireSha256: String(repeating: "c", count: 64))
                let local = try await nowhere.run(SessionRequest(prompt: [2, 4], maxTokens: 10)).result
                #expect(local.counters.localTokens == 10, "no server serves that model: the draft works alone")
            }
        }
    }

    @Test("a server's refusal that every server would repeat surfaces instead of going local")
    func fingerprintMismatchSurfaces() async throws {
        try await withServer { server in
            let (_, client) = failoverClient(
                VerifierDirectory(.addresses([server.assistURL])), fingerprint: "another-tokenizer")
            await #expect(throws: WireError.self) {
                _ = try await client.run(SessionRequest(prompt: [1], maxTokens: 5))
            }
        }
    }

    @Test("the directory keeps the coordinator's last listing when the coordinator goes away")
    func coordinatorDown() async throws {
        let registry = VerifierRegistry(secret: "s", heartbeatTimeout: .seconds(60))
        let coordinator = try await CoordinatorServer(registry: registry, port: 0, logger: quietLogger()).start()
        _ = try registry.register(
            VerifierRegistration(
                address: "ws://127.0.0.1:1234", model: "m", tokenizerFingerprint: Toys.fingerprint,
                modelSha256: Self.shaA, contextLength: 64, capacity: 2))
        let directory = VerifierDirectory(
            .coordinator(url: coordinator.url, fingerprint: Toys.fingerprint, sha256: nil))
        #expect(try await directory.candidates() == ["ws://127.0.0.1:1234"])
        let other = VerifierDirectory(.coordinator(url: coordinator.url, fingerprint: "not-this-one", sha256: nil))
        #expect(try await other.candidates().isEmpty)
        await coordinator.stop()
        #expect(try await directory.candidates() == ["ws://127.0.0.1:1234"])
        let fresh = VerifierDirectory(.coordinator(url: coordinator.url, fingerprint: Toys.fingerprint, sha256: nil))
        await #expect(throws: VerifierUnavailable.self) { _ = try await fresh.candidates() }
    }

    @Test("the model file digest is the SHA-256 of the whole file, whatever the chunk size")
    func fileDigest() throws {
        let path = try RealModels.path("llama-s-q8_0.gguf")
        let whole = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))).map {
            String(format: "%02x", $0)
        }.joined()
        var calls = 0
        let chunked = try ModelFileDigest.sha256(path: path, chunkBytes: 100_003) { done, total in
            calls += 1
            #expect(done <= total)
        }
        #expect(chunked == whole)
        #expect(try ModelFileDigest.sha256(path: path) == whole)
        #expect(calls > 10)
        #expect(throws: ModelFileDigest.Failure.self) { try ModelFileDigest.sha256(path: "/nonexistent/model.gguf") }
    }
}
