import Foundation
import TandemDecoding
import TandemLoopbackSupport
import TandemSecurity
import TandemServer
import TandemTestSupport
import TandemWire
import Testing

@testable import TandemClient

/// Model integrity end to end: the required model hash on a direct connection, the proof of the
/// verifier secret at open (an impostor at a copied address is refused), and signed listing entries.
@Suite("Model integrity: required hash, verifier proof, signed listings", .timeLimit(.minutes(2)))
struct IntegrityTests {
    static let shaA = String(repeating: "a", count: 64), shaB = String(repeating: "b", count: 64)
    static let secret = "integrity-secret"

    func open(_ server: RunningServer, _ security: ClientSecurity) async throws -> RemoteVerifier {
        let verifier = RemoteVerifier(
            .init(
                url: server.assistURL, draftFingerprint: Toys.fingerprint, timeout: .seconds(10), logger: quietLogger(),
                security: security))
        _ = try await verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 8))
        return verifier
    }

    @Test("a direct connection with a required hash refuses another model and accepts the right one")
    func requiredHashOnDirectConnection() async throws {
        try await withServer(model: hashedToyTarget(Self.shaA)) { server in
            await #expect(
                throws: IntegrityError.modelMismatch(
                    address: server.assistURL, reported: Self.shaA, required: Self.shaB)
            ) {
                _ = try await open(server, ClientSecurity(requireSha256: Self.shaB))
            }
            let verifier = try await open(server, ClientSecurity(requireSha256: Self.shaA.uppercased()))
            await verifier.close()
            // The assisted client over one --server: the generation fails with the integrity error.
            let client = AssistedClient(
                drafter: ModelDrafter(session: Toys.draft.makeSession()),
                verifier: RemoteVerifier(
                    .init(
                        url: server.assistURL, draftFingerprint: Toys.fingerprint, timeout: .seconds(10),
                        logger: quietLogger(), security: ClientSecurity(requireSha256: Self.shaB))),
                policy: FixedWindow(3))
            await #expect(throws: IntegrityError.self) {
                _ = try await client.run(SessionRequest(prompt: [1, 2, 3], maxTokens: 8))
            }
        }
        // A server that reports no hash does not satisfy a requirement.
        try await withServer { server in
            await #expect(
                throws: IntegrityError.modelMismatch(address: server.assistURL, reported: nil, required: Self.shaA)
            ) {
                _ = try await open(server, ClientSecurity(requireSha256: Self.shaA))
            }
        }
    }

    @Test("an impostor without the secret, or with a wrong one, is refused; the genuine verifier is accepted")
    func proofOfTheSecret() async throws {
        let client = ClientSecurity(verifierSecret: VerifierSecret(Self.secret))
        // No secret: no proof in opened.
        try await withServer(model: hashedToyTarget(Self.shaA)) { impostor in
            await #expect(throws: IntegrityError.proofMissing(address: impostor.assistURL)) {
                _ = try await open(impostor, client)
            }
        }
        // A wrong secret: a proof that does not verify.
        let wrong = ServerSecurity(secret: VerifierSecret("not-the-secret"))
        try await withVerifierServer(model: hashedToyTarget(Self.shaA), security: wrong) { _, impostor in
            await #expect(throws: IntegrityError.proofInvalid(address: impostor.assistURL)) {
                _ = try await open(impostor, client)
            }
        }
        // The genuine verifier: accepted, and a whole generation runs (every re-open proves again).
        let genuine = ServerSecurity(secret: VerifierSecret(Self.secret))
        try await withVerifierServer(model: hashedToyTarget(Self.shaA), security: genuine) { _, server in
            let verifier = try await open(server, client)
            let proof = try #require(await verifier.lastOpened?.proof)
            #expect(proof.count == 64)
            await verifier.close()
            let assisted = AssistedClient(
                drafter: ModelDrafter(session: Toys.draft.makeSession()),
                verifier: RemoteVerifier(
                    .init(
                        url: server.assistURL, draftFingerprint: Toys.fingerprint, timeout: .seconds(10),
                        logger: quietLogger(),
                        security: ClientSecurity(requireSha256: Self.shaA, verifierSecret: VerifierSecret(Self.secret)))
                ),
                policy: FixedWindow(3))
            let (result, _) = try await assisted.run(SessionRequest(prompt: [1, 5, 9], maxTokens: 30))
            #expect(result.tokens == Toys.target.greedy(prompt: [1, 5, 9], count: 30))
            // A client without the secret still works with it (the proof is only asked for by a nonce).
            let plain = try await open(server, ClientSecurity())
            #expect(await plain.lastOpened?.proof == nil)
            await plain.close()
        }
    }

    @Test("a failover client skips the impostor at the first address and uses the genuine verifier")
    func failoverSkipsImpostor() async throws {
        let genuine = ServerSecurity(secret: VerifierSecret(Self.secret))
        try await withServer(model: hashedToyTarget(Self.shaA)) { impostor in
            try await withVerifierServer(model: hashedToyTarget(Self.shaA), security: genuine) { _, server in
                let directory = VerifierDirectory(
                    .addresses([impostor.assistURL, server.assistURL]),
                    security: ClientSecurity(verifierSecret: VerifierSecret(Self.secret)))
                let (verifier, client) = failoverClient(directory)
                let result = try await client.run(SessionRequest(prompt: [2, 4], maxTokens: 20)).result
                #expect(result.tokens == Toys.target.greedy(prompt: [2, 4], count: 20))
                #expect(result.counters.localTokens == 0)
                #expect(await verifier.history == [server.assistURL])
            }
        }
    }

    @Test("signed listing entries: genuine accepted; tampered, unsigned or wrongly signed refused")
    func signedListing() throws {
        let key = try #require(VerifierSecret(Self.secret))
        let registration = VerifierRegistration(
            address: "wss://verifier.example:8443", model: "target.gguf", tokenizerFingerprint: "fp",
            modelSha256: Self.shaA, contextLength: 4096, capacity: 4)
        let signed = key.sign(registration, signedAt: 1_700_000_000_000)
        #expect(signed.signature?.count == 64)
        #expect(key.verifies(signed))
        try signed.validate()

        func entry(_ r: VerifierRegistration) -> VerifierEntry {
            VerifierEntry(id: "v-1", registration: r, score: 0, lastSeenMs: 1)
        }
        var movedAddress = signed
        movedAddress.address = "wss://impostor.example:8443"
        var otherModel = signed
        otherModel.modelSha256 = Self.shaB
        var otherTime = signed
        otherTime.signedAt = 1_700_000_000_001
        let wrongKey = try #require(VerifierSecret("another")).sign(registration, signedAt: 1)
        for tampered in [movedAddress, otherModel, otherTime, wrongKey, registration] {
            #expect(!key.verifies(tampered), "\(tampered)")
        }

        let directory = VerifierDirectory(
            .coordinator(url: "https://coordinator.example", fingerprint: "fp", sha256: nil),
            security: ClientSecurity(verifierSecret: key))
        // Mixed: only the genuine entry survives.
        let kept = try directory.trusted(VerifierListing(verifiers: [entry(movedAddress), entry(signed)]))
        #expect(kept.map(\.address) == [signed.address])
        // Only tampered entries: a typed refusal naming them.
        #expect(throws: IntegrityError.self) {
            _ = try directory.trusted(VerifierListing(verifiers: [entry(movedAddress), entry(registration)]))
        }
        // No secret: nothing is checked (older coordinators and verifiers keep working).
        let open = VerifierDirectory(.coordinator(url: "https://c.example", fingerprint: "fp", sha256: nil))
        #expect(try open.trusted(VerifierListing(verifiers: [entry(registration)])).count == 1)
        // The signature survives the coordinator's JSON round trip.
        let data = try JSONEncoder().encode(VerifierListing(verifiers: [entry(signed)]))
        let decoded = try JSONDecoder().decode(VerifierListing.self, from: data)
        #expect(key.verifies(try #require(decoded.verifiers.first).registration))
    }

    @Test("the proof binds the nonce and the model hash")
    func proofBinding() throws {
        let key = try #require(VerifierSecret(Self.secret))
        let nonce = VerifierSecret.makeNonce()
        #expect(nonce.count == 64)
        #expect(nonce != VerifierSecret.makeNonce())
        let proof = key.proof(nonce: nonce, modelSha256: Self.shaA)
        #expect(key.verifiesProof(proof, nonce: nonce, modelSha256: Self.shaA))
        #expect(!key.verifiesProof(proof, nonce: VerifierSecret.makeNonce(), modelSha256: Self.shaA))
        #expect(!key.verifiesProof(proof, nonce: nonce, modelSha256: Self.shaB))
        #expect(!key.verifiesProof(proof, nonce: nonce, modelSha256: nil))
        #expect(!key.verifiesProof("zz", nonce: nonce, modelSha256: Self.shaA))
        #expect(VerifierSecret("") == nil)
    }
}
