import TandemTestSupport
import TandemWire
import Testing

@testable import TandemCoordinator

/// The registry's `now`, read from a manual clock (time moves only when the test says so).
func registryTime(_ clock: ManualClock) -> @Sendable () -> ContinuousClock.Instant {
    let origin = ContinuousClock.now
    return { origin + clock.now.offset }
}

func sha(_ c: Character) -> String { String(repeating: c, count: 64) }

func registration(
    port: Int, fingerprint: String = "fp-a", sha256: String = sha("a"), capacity: Int = 4,
    load: VerifierLoad = VerifierLoad()
) -> VerifierRegistration {
    VerifierRegistration(
        address: "ws://127.0.0.1:\(port)", model: "target.gguf", tokenizerFingerprint: fingerprint,
        modelSha256: sha256, contextLength: 256, capacity: capacity, load: load)
}

@Suite("Verifier registry (fake clock)")
struct RegistryTests {
    let time = ManualClock()
    var registry: VerifierRegistry {
        VerifierRegistry(secret: "s3cret", heartbeatTimeout: .seconds(10), now: registryTime(time))
    }

    @Test("only the exact bearer secret is accepted")
    func secret() throws {
        let registry = self.registry
        try registry.authorize("Bearer s3cret")
        for header in [
            nil, "", "s3cret", "Bearer", "Bearer ", "Bearer s3cre", "Bearer s3cret2", "bearer s3cret", "Basic s3cret",
        ] {
            #expect(throws: RegistryError.unauthorized, "\(String(describing: header))") {
                try registry.authorize(header)
            }
        }
        let open = VerifierRegistry(secret: "")
        #expect(throws: RegistryError.unauthorized) { try open.authorize("Bearer ") }
    }

    @Test("a verifier without heartbeats is dropped after the timeout; heartbeats keep it")
    func staleDrop() throws {
        let registry = self.registry
        let a = try registry.register(registration(port: 1001))
        let b = try registry.register(registration(port: 1002))
        #expect(a.heartbeatTimeoutMs == 10_000)
        #expect(a.id != b.id)
        time.advance(by: .seconds(6))
        _ = try registry.heartbeat(id: a.id, VerifierHeartbeat(modelSha256: sha("a"), load: VerifierLoad()))
        time.advance(by: .seconds(6))
        #expect(registry.list().map(\.id) == [a.id], "b missed its heartbeats")
        #expect(throws: RegistryError.unknownVerifier(b.id)) {
            try registry.heartbeat(id: b.id, VerifierHeartbeat(modelSha256: sha("a"), load: VerifierLoad()))
        }
        // It comes back by registering again.
        let again = try registry.register(registration(port: 1002))
        #expect(Set(registry.list().map(\.id)) == [a.id, again.id])
        time.advance(by: .seconds(11))
        #expect(registry.list().isEmpty)
        #expect(registry.count == 0)
    }

    @Test("the listing is filtered by fingerprint and hash and ranked by load over capacity")
    func ranking() throws {
        let registry = self.registry
        let busy = try registry.register(
            registration(port: 2001, capacity: 2, load: VerifierLoad(activeSessions: 1, queuedRounds: 0)))
        let idle = try registry.register(
            registration(port: 2002, capacity: 8, load: VerifierLoad(activeSessions: 1, queuedRounds: 1)))
        let other = try registry.register(registration(port: 2003, fingerprint: "fp-b"))
        let otherModel = try registry.register(
            registration(port: 2004, sha256: sha("b"), load: VerifierLoad(activeSessions: 0)))
        let listed = registry.list(fingerprint: "fp-a")
        #expect(listed.map(\.id) == [otherModel.id, idle.id, busy.id])
        #expect(listed.map(\.score) == [0, 0.25, 0.5])
        #expect(registry.list(fingerprint: "fp-b").map(\.id) == [other.id])
        #expect(registry.list(fingerprint: "fp-a", sha256: sha("a")).map(\.id) == [idle.id, busy.id])
        #expect(registry.list(fingerprint: "nope").isEmpty)
        // A heartbeat with new load reorders.
        _ = try registry.heartbeat(id: busy.id, VerifierHeartbeat(modelSha256: sha("a"), load: VerifierLoad()))
        #expect(registry.list(fingerprint: "fp-a", sha256: sha("a")).map(\.id) == [busy.id, idle.id])
        // Equal scores: fewer recent tokens per second first.
        _ = try registry.heartbeat(
            id: idle.id, VerifierHeartbeat(modelSha256: sha("a"), load: VerifierLoad(tokensPerS: 5)))
        _ = try registry.heartbeat(
            id: busy.id, VerifierHeartbeat(modelSha256: sha("a"), load: VerifierLoad(tokensPerS: 9)))
        #expect(registry.list(fingerprint: "fp-a", sha256: sha("a")).map(\.id) == [idle.id, busy.id])
    }

    @Test("a second report with another hash is refused; a heartbeat with another hash drops the verifier")
    func hashConflicts() throws {
        let registry = self.registry
        let first = try registry.register(registration(port: 3001, sha256: sha("a")))
        #expect(
            throws: RegistryError.hashConflict(
                address: "ws://127.0.0.1:3001/v1/assist", registered: sha("a"), claimed: sha("c"))
        ) {
            var r = registration(port: 3001, sha256: sha("c"))
            r.address += "/v1/assist"
            _ = try registry.register(r)
        }
        // The same claim again refreshes the record and keeps its id.
        #expect(try registry.register(registration(port: 3001, sha256: sha("a"))).id == first.id)
        #expect(registry.count == 1)
        #expect(throws: RegistryError.hashChanged(id: first.id, registered: sha("a"), reported: sha("d"))) {
            try registry.heartbeat(id: first.id, VerifierHeartbeat(modelSha256: sha("d"), load: VerifierLoad()))
        }
        #expect(registry.count == 0)
    }

    /// Ways to spoil a registration, each named by the field the refusal must mention.
    static let spoilers: [String: @Sendable (inout VerifierRegistration) -> Void] = [
        "address: http": { $0.address = "http://127.0.0.1:1" },
        "address: no host": { $0.address = "ws://" },
        "address: port": { $0.address = "ws://host:99999" },
        "address: long": { $0.address = "ws://" + String(repeating: "a", count: 600) },
        "model_sha256: short": { $0.modelSha256 = "abc" },
        "model_sha256: upper case": { $0.modelSha256 = sha("A") },
        "model: empty": { $0.model = "" },
        "tokenizer_fingerprint: control": { $0.tokenizerFingerprint = "a\u{0}b" },
        "capacity: 0": { $0.capacity = 0 },
        "context_length: negative": { $0.contextLength = -1 },
        "active_sessions: negative": { $0.load.activeSessions = -1 },
        "queued_rounds: negative": { $0.load.queuedRounds = -3 },
        "tokens_per_s: nan": { $0.load.tokensPerS = .nan },
    ]

    @Test("malformed registrations and heartbeats are refused with the field named", arguments: spoilers.keys.sorted())
    func badBodies(_ name: String) throws {
        let field = String(name.prefix { $0 != ":" })
        let spoil = try #require(Self.spoilers[name])
        let registry = self.registry
        var r = registration(port: 4001)
        spoil(&r)
        do {
            _ = try registry.register(r)
            Issue.record("accepted a registration with a bad \(field)")
        } catch {
            let reason = "\(error)"
            #expect(error.httpStatus == 400, "\(reason)")
            #expect(reason.contains(field), "\(reason)")
        }
        #expect(registry.count == 0)
        let good = try registry.register(registration(port: 4002))
        #expect(throws: RegistryError.self) {
            try registry.heartbeat(
                id: good.id, VerifierHeartbeat(modelSha256: sha("a"), load: VerifierLoad(activeSessions: -1)))
        }
    }

    @Test("leaving removes the verifier at once")
    func leave() throws {
        let registry = self.registry
        let a = try registry.register(registration(port: 5001))
        try registry.remove(id: a.id)
        #expect(registry.list().isEmpty)
        #expect(throws: RegistryError.unknownVerifier(a.id)) { try registry.remove(id: a.id) }
    }
}
