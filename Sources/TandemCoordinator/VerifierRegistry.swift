import Foundation
import Synchronization
import TandemUtilities
import TandemWire

/// The coordinator's state: which verifiers are alive, what they serve and how loaded they are.
///
/// It does no inference and holds no sessions. A verifier registers (with the shared secret), then
/// heartbeats; one silent for longer than `heartbeatTimeout` is dropped and must register again. The
/// clock is injected so tests can move time by hand.
public final class VerifierRegistry: Sendable {
    private struct Record {
        var id: String
        var registration: VerifierRegistration
        var load: VerifierLoad
        var lastSeen: ContinuousClock.Instant
        /// Registration order: the last tie-breaker, so listings are stable.
        var order: Int
    }

    private struct State {
        var records: [String: Record] = [:]
        var registered = 0
    }

    private let state = Mutex(State())
    private let secret: [UInt8]
    private let now: @Sendable () -> ContinuousClock.Instant
    /// A verifier silent this long is dropped.
    public let heartbeatTimeout: Duration
    /// Most live verifiers held; a registration beyond it is refused (`RegistryError.full`).
    public let capacity: Int

    /// - Parameters:
    ///   - secret: the bearer token registrations, heartbeats and leaves must carry (not empty).
    ///   - capacity: most live verifiers held at once.
    ///   - now: the clock (tests pass a hand-moved one).
    public init(
        secret: String, heartbeatTimeout: Duration = .seconds(10), capacity: Int = 1024,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.capacity = max(1, capacity)
        self.secret = Array(secret.utf8)
        self.heartbeatTimeout = heartbeatTimeout
        self.now = now
    }

    /// Checks an `Authorization` header value: `Bearer SECRET`, compared in constant time.
    public func authorize(_ authorization: String?) throws(RegistryError) {
        guard let authorization, authorization.hasPrefix("Bearer ") else { throw .unauthorized }
        let given = Array(authorization.dropFirst("Bearer ".count).utf8)
        guard !secret.isEmpty, ConstantTimeCompare.equal(given, secret) else { throw .unauthorized }
    }

    /// Registers a verifier, or refreshes the live record at the same address with the same model hash
    /// (keeping its id). Refuses a different hash for an address that is still live.
    public func register(_ registration: VerifierRegistration) throws(RegistryError) -> RegistrationAnswer {
        do {
            try registration.validate()
        } catch {
            throw .invalid(error.message)
        }
        let now = self.now()
        let result: Result<String, RegistryError> = state.withLock { s in
            prune(&s, now: now)
            if let existing = s.records.values.first(where: {
                Self.sameAddress($0.registration.address, registration.address)
            }) {
                guard existing.registration.modelSha256 == registration.modelSha256 else {
                    return .failure(
                        .hashConflict(
                            address: registration.address, registered: existing.registration.modelSha256,
                            claimed: registration.modelSha256))
                }
                s.records[existing.id]?.registration = registration
                s.records[existing.id]?.load = registration.load
                s.records[existing.id]?.lastSeen = now
                return .success(existing.id)
            }
            guard s.records.count < capacity else { return .failure(.full(limit: capacity)) }
            s.registered += 1
            let id = "v-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
            s.records[id] = Record(
                id: id, registration: registration, load: registration.load, lastSeen: now, order: s.registered)
            return .success(id)
        }
        return RegistrationAnswer(id: try result.get(), heartbeatTimeoutMs: Self.milliseconds(heartbeatTimeout))
    }

    /// Records a heartbeat. An unknown (or dropped) id is refused so the verifier registers again; a
    /// model hash other than the registered one drops the verifier.
    public func heartbeat(id: String, _ heartbeat: VerifierHeartbeat) throws(RegistryError) -> RegistrationAnswer {
        do {
            try heartbeat.validate()
        } catch {
            throw .invalid(error.message)
        }
        let now = self.now()
        let result: RegistryError? = state.withLock { s in
            prune(&s, now: now)
            guard let record = s.records[id] else { return .unknownVerifier(id) }
            guard record.registration.modelSha256 == heartbeat.modelSha256 else {
                s.records[id] = nil
                return .hashChanged(
                    id: id, registered: record.registration.modelSha256, reported: heartbeat.modelSha256)
            }
            s.records[id]?.load = heartbeat.load
            s.records[id]?.lastSeen = now
            return nil
        }
        if let result { throw result }
        return RegistrationAnswer(id: id, heartbeatTimeoutMs: Self.milliseconds(heartbeatTimeout))
    }

    /// Removes a verifier that is leaving.
    public func remove(id: String) throws(RegistryError) {
        let removed = state.withLock { $0.records.removeValue(forKey: id) != nil }
        guard removed else { throw .unknownVerifier(id) }
    }

    /// Live verifiers serving a tokenizer with `fingerprint` (and, when given, a model file with
    /// `sha256`), least loaded first: by (active sessions + queued rounds) / capacity, then by recent
    /// tokens per second (fewer is less busy), then by registration order.
    public func list(fingerprint: String? = nil, sha256: String? = nil) -> [VerifierEntry] {
        let now = self.now()
        let records = state.withLock { s in
            prune(&s, now: now)
            return Array(s.records.values)
        }
        return
            records
            .filter { r in fingerprint.map { r.registration.tokenizerFingerprint == $0 } ?? true }
            .filter { r in sha256.map { r.registration.modelSha256 == $0.lowercased() } ?? true }
            .map { r in (r, Self.score(r)) }
            .sorted { a, b in
                if a.1 != b.1 { return a.1 < b.1 }
                if a.0.load.tokensPerS != b.0.load.tokensPerS { return a.0.load.tokensPerS < b.0.load.tokensPerS }
                return a.0.order < b.0.order
            }
            .map { r, score in
                var registration = r.registration
                registration.load = r.load
                return VerifierEntry(
                    id: r.id, registration: registration, score: score,
                    lastSeenMs: Self.milliseconds(now - r.lastSeen))
            }
    }

    /// Drops verifiers whose last heartbeat is older than the timeout; returns their entries' addresses.
    @discardableResult
    public func prune() -> [String] {
        let now = self.now()
        return state.withLock { prune(&$0, now: now) }
    }

    /// Live verifiers.
    public var count: Int {
        let now = self.now()
        return state.withLock { s in
            prune(&s, now: now)
            return s.records.count
        }
    }

    @discardableResult
    private func prune(_ s: inout State, now: ContinuousClock.Instant) -> [String] {
        let stale = s.records.values.filter { now - $0.lastSeen > heartbeatTimeout }
        for record in stale { s.records[record.id] = nil }
        return stale.map(\.registration.address)
    }

    private static func score(_ r: Record) -> Double {
        Double(r.load.activeSessions + r.load.queuedRounds) / Double(max(1, r.registration.capacity))
    }

    /// `ws://h:p` and `ws://h:p/v1/assist` name the same verifier.
    private static func sameAddress(_ a: String, _ b: String) -> Bool {
        func base(_ s: String) -> String {
            var s = s.lowercased()
            if s.hasSuffix(WireProtocol.path) { s.removeLast(WireProtocol.path.count) }
            while s.hasSuffix("/") { s.removeLast() }
            return s
        }
        return base(a) == base(b)
    }

    static func milliseconds(_ d: Duration) -> Int {
        Int(d.wholeMilliseconds)
    }
}
