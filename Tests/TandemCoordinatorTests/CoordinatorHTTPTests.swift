import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import TandemCoordinator
import TandemTestSupport
import TandemWire
import Testing

/// One HTTP exchange with a coordinator: status and body.
func exchange(_ method: String, _ url: String, secret: String? = nil, body: Data? = nil) async throws -> (Int, Data) {
    var request = HTTPClientRequest(url: url)
    request.method = .RAW(value: method)
    if let secret { request.headers.add(name: "Authorization", value: "Bearer \(secret)") }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), Data(bytes.readableBytesView))
}

/// Runs a coordinator on loopback for `body`; its registry reads `clock` (moved by hand) when one is given.
func withCoordinator<T>(
    heartbeatTimeout: Duration = .seconds(30), clock: ManualClock? = nil,
    _ body: (RunningCoordinator) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test.coordinator")
    logger.logLevel = .critical
    var now: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    if let clock { now = registryTime(clock) }
    let running = try await CoordinatorServer(
        registry: VerifierRegistry(secret: "s3cret", heartbeatTimeout: heartbeatTimeout, now: now),
        host: "127.0.0.1", port: 0, logger: logger
    ).start()
    do {
        let value = try await body(running)
        await running.stop()
        return value
    } catch {
        await running.stop()
        throw error
    }
}

@Suite("Coordinator over HTTP on loopback", .timeLimit(.minutes(2)))
struct CoordinatorHTTPTests {
    let encoder = JSONEncoder()

    @Test("register, list, heartbeat, leave; the secret is required to change the registry, not to read it")
    func lifecycle() async throws {
        try await withCoordinator { c in
            let base = c.url + RegistryAPI.path
            let body = try encoder.encode(registration(port: 9001))
            #expect(try await exchange("POST", base, body: body).0 == 401)
            #expect(try await exchange("POST", base, secret: "wrong", body: body).0 == 401)
            let (status, answer) = try await exchange("POST", base, secret: "s3cret", body: body)
            #expect(status == 201)
            let id = try JSONDecoder().decode(RegistrationAnswer.self, from: answer).id

            let (listStatus, list) = try await exchange("GET", base + "?tokenizer_fingerprint=fp-a")
            #expect(listStatus == 200)
            let listing = try JSONDecoder().decode(VerifierListing.self, from: list)
            #expect(listing.verifiers.map(\.address) == ["ws://127.0.0.1:9001"])
            #expect(listing.verifiers.first?.modelSha256 == sha("a"))
            #expect(String(decoding: list, as: UTF8.self).contains("\"model_sha256\""))
            let other = try JSONDecoder().decode(
                VerifierListing.self, from: try await exchange("GET", base + "?tokenizer_fingerprint=fp-z").1)
            #expect(other.verifiers.isEmpty)
            #expect(try await exchange("GET", base + "?model_sha256=xyz").0 == 400)

            let beat = try encoder.encode(
                VerifierHeartbeat(modelSha256: sha("a"), load: VerifierLoad(activeSessions: 2)))
            #expect(try await exchange("POST", "\(base)/\(id)/heartbeat", body: beat).0 == 401)
            #expect(try await exchange("POST", "\(base)/\(id)/heartbeat", secret: "s3cret", body: beat).0 == 200)
            #expect(try await exchange("POST", "\(base)/nobody/heartbeat", secret: "s3cret", body: beat).0 == 404)
            let reloaded = try JSONDecoder().decode(VerifierListing.self, from: try await exchange("GET", base).1)
            #expect(reloaded.verifiers.first?.load.activeSessions == 2)

            #expect(try await exchange("DELETE", "\(base)/\(id)").0 == 401)
            #expect(try await exchange("DELETE", "\(base)/\(id)", secret: "s3cret").0 == 200)
            #expect(try await exchange("DELETE", "\(base)/\(id)", secret: "s3cret").0 == 404)
            let (healthStatus, health) = try await exchange("GET", c.url + "/health")
            #expect(healthStatus == 200)
            #expect(String(decoding: health, as: UTF8.self).contains("\"verifiers\":\"0\""))
        }
    }

    @Test("bad bodies get 400 with a JSON error naming the problem")
    func badBodies() async throws {
        try await withCoordinator { c in
            let base = c.url + RegistryAPI.path
            let cases: [(Data, String)] = [
                (Data("not json".utf8), "malformed"),
                (Data("{}".utf8), "missing field"),
                (Data(#"{"address":5}"#.utf8), "expected"),
                (try encoder.encode(registration(port: 9002, sha256: "nothex")), "model_sha256"),
                (try encoder.encode(registration(port: 9003, capacity: -2)), "capacity"),
                (Data(repeating: UInt8(ascii: " "), count: RegistryAPI.maxBodyBytes + 10), "larger"),
            ]
            for (body, expected) in cases {
                let (status, answer) = try await exchange("POST", base, secret: "s3cret", body: body)
                #expect(status == 400, "\(expected)")
                let error = try JSONDecoder().decode(RegistryErrorBody.self, from: answer)
                #expect(error.error.contains(expected), "\(error.error)")
            }
        }
    }

    @Test("a second registration claiming another hash is refused with 409; the first stays listed")
    func hashConflict() async throws {
        try await withCoordinator { c in
            let base = c.url + RegistryAPI.path
            #expect(
                try await exchange("POST", base, secret: "s3cret", body: try encoder.encode(registration(port: 9010))).0
                    == 201)
            let (status, answer) = try await exchange(
                "POST", base, secret: "s3cret",
                body: try encoder.encode(registration(port: 9010, sha256: sha("e"))))
            #expect(status == 409)
            #expect(try JSONDecoder().decode(RegistryErrorBody.self, from: answer).error.contains("sha256"))
            let listing = try JSONDecoder().decode(VerifierListing.self, from: try await exchange("GET", base).1)
            #expect(listing.verifiers.map(\.modelSha256) == [sha("a")])
        }
    }

    @Test("a verifier that stops heartbeating disappears from the listing after the timeout")
    func staleOverHTTP() async throws {
        let clock = ManualClock()
        try await withCoordinator(heartbeatTimeout: .milliseconds(1500), clock: clock) {
            (c: RunningCoordinator) async throws in
            let base = c.url + RegistryAPI.path
            #expect(
                try await exchange("POST", base, secret: "s3cret", body: try encoder.encode(registration(port: 9020))).0
                    == 201)
            #expect(
                try JSONDecoder().decode(VerifierListing.self, from: try await exchange("GET", base).1).verifiers.count
                    == 1)
            clock.advance(by: .milliseconds(1500))
            #expect(
                try JSONDecoder().decode(VerifierListing.self, from: try await exchange("GET", base).1).verifiers.count
                    == 1, "still listed at exactly the timeout")
            clock.advance(by: .milliseconds(1))
            #expect(
                try JSONDecoder().decode(VerifierListing.self, from: try await exchange("GET", base).1).verifiers
                    .isEmpty)
        }
    }
}
