import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import TandemSecurity
import TandemUtilities
import TandemWire

/// Keeps a verifier registered with a coordinator: registers once the server listens, heartbeats with
/// the current load every third of the coordinator's timeout, registers again when the coordinator has
/// forgotten it (404: it was down, or the verifier missed beats), and leaves when cancelled. An
/// unreachable coordinator is retried; the verifier keeps serving meanwhile.
///
/// Each registration is signed with the secret (`signed_at`, `signature`: docs/SECURITY.md), so a client
/// holding the secret can tell this verifier's listing entry from a forged one.
public struct CoordinatorRegistration: Sendable {
    /// The coordinator, `http://host:port` or `https://host:port`.
    public var coordinator: String
    /// The coordinator's shared secret.
    public var secret: String
    /// What the verifier announces (its load is refreshed at each registration).
    public var registration: VerifierRegistration
    /// Wait between attempts while the coordinator is unreachable or refuses.
    public var retryInterval: Duration
    /// Longest wait for one HTTP exchange.
    public var requestTimeout: Duration
    public var logger: Logger
    /// The clock the waits between heartbeats and retries are slept on (tests pass one they move by hand).
    public var clock: any Clock<Duration>
    /// Trusted certificates for an `https://` coordinator (the system's, plus `--ca`).
    public var trust: ClientTrust

    public init(
        coordinator: String, secret: String, registration: VerifierRegistration,
        retryInterval: Duration = .seconds(1), requestTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "tandem.register"), clock: any Clock<Duration> = ContinuousClock(),
        trust: ClientTrust = .system
    ) {
        self.trust = trust
        var base = coordinator
        while base.hasSuffix("/") { base.removeLast() }
        self.coordinator = base
        self.secret = secret
        self.registration = registration
        self.retryInterval = retryInterval
        self.requestTimeout = requestTimeout
        self.logger = logger
        self.clock = clock
    }

    /// Runs until the task is cancelled, then deregisters (best effort).
    /// - Parameter load: the server's load now (sampled at each heartbeat).
    public func run(load: @escaping @Sendable () -> VerifierLoad) async {
        var id: String?
        var unreachableLogged = false
        while !Task.isCancelled {
            var wait = retryInterval
            do {
                if let current = id {
                    let beat = VerifierHeartbeat(modelSha256: registration.modelSha256, load: load())
                    let (status, body) = try await send("POST", "\(RegistryAPI.path)/\(current)/heartbeat", beat)
                    switch status {
                    case 200:
                        wait = try Self.interval(body)
                    case 404:
                        logger.notice("the coordinator no longer knows this verifier; registering again")
                        id = nil
                        wait = .zero
                    default:
                        logger.error("heartbeat refused (\(status)): \(Self.reason(body))")
                        id = nil
                    }
                } else {
                    var announce = registration
                    announce.load = load()
                    if let key = VerifierSecret(secret) {
                        announce = key.sign(announce, signedAt: Int(Date().timeIntervalSince1970 * 1000))
                    }
                    let (status, body) = try await send("POST", RegistryAPI.path, announce)
                    if status == 201 || status == 200 {
                        let answer = try JSONDecoder().decode(RegistrationAnswer.self, from: body)
                        id = answer.id
                        wait = try Self.interval(body)
                        logger.notice("registered with \(coordinator) as \(answer.id)")
                    } else {
                        logger.error("registration refused by \(coordinator) (\(status)): \(Self.reason(body))")
                        wait = retryInterval * 5
                    }
                }
                unreachableLogged = false
            } catch {
                if !unreachableLogged {
                    logger.warning("coordinator \(coordinator) unreachable (\(error)); still serving, retrying")
                    unreachableLogged = true
                }
            }
            if wait > .zero { try? await clock.sleep(for: wait) }
        }
        if let id {
            // The surrounding task is cancelled, and the HTTP client honours that: leave from a fresh task.
            let leave = Task { try? await send("DELETE", "\(RegistryAPI.path)/\(id)", Optional<VerifierLoad>.none) }
            _ = await leave.value
        }
    }

    private func send(_ method: String, _ path: String, _ body: (some Encodable)?) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: coordinator + path)
        if coordinator.lowercased().hasPrefix("https:") { request.tlsConfiguration = trust.tlsConfiguration }
        request.method = .RAW(value: method)
        request.headers.add(name: "Authorization", value: "Bearer \(secret)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let millis = requestTimeout.wholeMilliseconds
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(millis))
        } catch {
            if let tls = TLSFailure.describe(error) { throw RegistrationTLSError(description: tls) }
            throw error
        }
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }

    private static func interval(_ body: Data) throws -> Duration {
        let answer = try JSONDecoder().decode(RegistrationAnswer.self, from: body)
        return .milliseconds(max(50, answer.heartbeatTimeoutMs / 3))
    }

    private static func reason(_ body: Data) -> String {
        (try? JSONDecoder().decode(RegistryErrorBody.self, from: body))?.error
            ?? String(decoding: body.prefix(200), as: UTF8.self)
    }
}

/// A failed TLS handshake with the coordinator, worded for the log.
struct RegistrationTLSError: Error, CustomStringConvertible {
    let description: String
}
