import Foundation
import Logging
import Synchronization
import TandemTestSupport
import TandemUtilities
import TandemWire
import Testing

@testable import TandemCoordinator

/// The coordinator's caps: registration attempts per address and the registry's size.
@Suite("Coordinator caps", .timeLimit(.minutes(2)))
struct CoordinatorCapsTests {
    func withCapped(
        capacity: Int = 1024, throttle: RegistrationThrottle, _ body: (RunningCoordinator) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test.coordinator.caps")
        logger.logLevel = .critical
        let running = try await CoordinatorServer(
            registry: VerifierRegistry(secret: "s3cret", capacity: capacity), host: "127.0.0.1", port: 0,
            logger: logger, throttle: throttle
        ).start()
        do {
            try await body(running)
            await running.stop()
        } catch {
            await running.stop()
            throw error
        }
    }

    @Test("registration attempts are rate-limited per address, wrong secrets included; the bucket refills with time")
    func registrationRate() async throws {
        let clock = ManualClock()
        try await withCapped(throttle: RegistrationThrottle(attemptsPerMinute: 3, clock: clock)) { c in
            let base = c.url + RegistryAPI.path
            let body = try JSONEncoder().encode(registration(port: 9101))
            #expect(try await exchange("POST", base, secret: "wrong", body: body).0 == 401)
            #expect(try await exchange("POST", base, secret: "s3cret", body: body).0 == 201)
            #expect(try await exchange("POST", base, secret: "s3cret", body: body).0 == 201)
            let (status, answer) = try await exchange("POST", base, secret: "s3cret", body: body)
            #expect(status == 429)
            let error = try JSONDecoder().decode(RegistryErrorBody.self, from: answer)
            #expect(error.error.contains("too many registration attempts"))
            // Reads are not throttled.
            #expect(try await exchange("GET", base).0 == 200)
            clock.advance(by: .seconds(20))  // one attempt's worth
            #expect(try await exchange("POST", base, secret: "s3cret", body: body).0 == 201)
        }
    }

    @Test("a full registry refuses a new verifier with 503 and keeps serving the ones it holds")
    func fullRegistry() async throws {
        try await withCapped(capacity: 2, throttle: RegistrationThrottle(attemptsPerMinute: 100)) { c in
            let base = c.url + RegistryAPI.path
            for port in [9201, 9202] {
                let body = try JSONEncoder().encode(registration(port: port))
                #expect(try await exchange("POST", base, secret: "s3cret", body: body).0 == 201)
            }
            let third = try JSONEncoder().encode(registration(port: 9203))
            let (status, answer) = try await exchange("POST", base, secret: "s3cret", body: third)
            #expect(status == 503)
            #expect(try JSONDecoder().decode(RegistryErrorBody.self, from: answer).error.contains("limit of 2"))
            // A registered address may still refresh its registration.
            let again = try JSONEncoder().encode(registration(port: 9201))
            #expect(try await exchange("POST", base, secret: "s3cret", body: again).0 == 201)
            let listing = try JSONDecoder().decode(VerifierListing.self, from: try await exchange("GET", base).1)
            #expect(listing.verifiers.count == 2)
        }
    }

    @Test("the throttle's table of addresses stays bounded")
    func boundedAddresses() {
        let clock = ManualClock()
        let throttle = RegistrationThrottle(attemptsPerMinute: 1, maxAddresses: 2, clock: clock)
        #expect(throttle.admit("10.0.0.1"))
        #expect(throttle.admit("10.0.0.2"))
        #expect(!throttle.admit("10.0.0.3"))  // both tracked addresses are still throttled
        clock.advance(by: .seconds(60))  // their buckets refill and are forgotten
        #expect(throttle.admit("10.0.0.3"))
        #expect(!throttle.admit("10.0.0.3"))
    }

    @Test("the bearer secret goes through ConstantTimeCompare.equal")
    func secretComparedInConstantTime() throws {
        let registry = VerifierRegistry(secret: "s3cret")
        let seen = Mutex<[[UInt8]]>([])
        try ConstantTimeCompare.$observer.withValue({ a, b in seen.withLock { $0.append(contentsOf: [a, b]) } }) {
            try registry.authorize("Bearer s3cret")
            #expect(throws: RegistryError.unauthorized) { try registry.authorize("Bearer s3creT") }
        }
        let compared = seen.withLock { $0 }
        #expect(compared.filter { $0 == Array("s3cret".utf8) }.count == 3)
        #expect(compared.contains(Array("s3creT".utf8)))
    }
}
