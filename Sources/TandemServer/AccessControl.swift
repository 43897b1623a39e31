import Synchronization
import TandemUtilities

/// The key a request or connection was admitted with. Its `description` is the key's name: the key
/// itself is held only to re-check it (a reload may have revoked it) and is never printed.
final class KeyGrant: Sendable, CustomStringConvertible {
    let name: String
    let limits: KeyLimits
    private let presented: [UInt8]

    init(_ key: APIKey, presented: [UInt8]) {
        name = key.name
        limits = key.limits
        self.presented = presented
    }

    var description: String { "key \"\(name)\"" }

    /// The entry the presented key matches in `keyring` now (nil once revoked).
    func current(in keyring: APIKeyring) -> APIKey? { keyring.match(presented) }
}

/// Admission for one server: the key check, each key's sessions, opens and tokens per minute, and the
/// server's own open rate and rounds in flight. Refusals are counted in `/metrics` by key name and
/// reason; no key ever reaches a log or a metric.
final class AccessControl: Sendable {
    private struct KeyState {
        var sessions = 0
        var tokens: TokenBucket?
        var opens: TokenBucket?
    }

    private struct State {
        var keys: [String: KeyState] = [:]
        var opens: TokenBucket?
    }

    let keyring: APIKeyring?
    let limits: ServerLimits
    private let metrics: ServerMetrics
    private let clock: ElapsedClock
    private let state: Mutex<State>

    init(keyring: APIKeyring?, limits: ServerLimits, metrics: ServerMetrics, clock: ElapsedClock) {
        self.keyring = keyring
        self.limits = limits
        self.metrics = metrics
        self.clock = clock
        let now = clock.now
        state = Mutex(State(opens: limits.opensPerMinute.map { TokenBucket(capacity: $0, now: now) }))
    }

    /// Checks an `Authorization` header: `.success(nil)` when the server has no keys, the grant when
    /// the bearer key is one of them. `record: false` leaves `/metrics` alone (a refusal counted already).
    func authorize(_ authorization: String?, record: Bool = true) -> Result<KeyGrant?, AccessRefusal> {
        guard let keyring else { return .success(nil) }
        guard let presented = APIKeyring.bearer(authorization) else {
            if record { metrics.authRefused(AccessRefusal.missingKey.reason) }
            return .failure(.missingKey)
        }
        guard let key = keyring.match(presented) else {
            if record { metrics.authRefused(AccessRefusal.invalidKey.reason) }
            return .failure(.invalidKey)
        }
        if record { metrics.keyRequest(key.name) }
        return .success(KeyGrant(key, presented: presented))
    }

    /// Admits an `open` (or an OpenAI completion): the key is still valid, and the open rates (the
    /// key's and the server's) and, for a new session, the key's session cap allow it. A new session
    /// counts against the key until `sessionClosed`. Returns the key's limits as they are now.
    func admitOpen(_ grant: KeyGrant?, newSession: Bool) throws(AccessRefusal) -> KeyLimits {
        var key: APIKey?
        if let grant, let keyring {
            guard let current = grant.current(in: keyring) else {
                metrics.authRefused(AccessRefusal.invalidKey.reason)
                throw .invalidKey
            }
            key = current
        }
        let now = clock.now
        let outcome: Result<Void, AccessRefusal> = state.withLock { s in
            var keyState = key.map { s.keys[$0.name] ?? KeyState() }
            if let key, var k = keyState {
                if newSession, let cap = key.limits.maxSessions, k.sessions >= cap {
                    return .failure(.keySessions(key: key.name, limit: cap))
                }
                if let rate = key.limits.opensPerMinute {
                    var bucket = k.opens ?? TokenBucket(capacity: rate, now: now)
                    if bucket.capacity != Double(rate) { bucket = TokenBucket(capacity: rate, now: now) }
                    guard bucket.take(now: now) else {
                        k.opens = bucket
                        s.keys[key.name] = k
                        return .failure(.keyOpens(key: key.name, limit: rate))
                    }
                    k.opens = bucket
                }
                keyState = k
            }
            if let rate = limits.opensPerMinute, var bucket = s.opens {
                guard bucket.take(now: now) else { return .failure(.serverOpens(limit: rate)) }
                s.opens = bucket
            }
            if let key, var k = keyState {
                if newSession { k.sessions += 1 }
                s.keys[key.name] = k
            }
            return .success(())
        }
        switch outcome {
        case .success:
            if let key, newSession { metrics.keySessionsOpen(key.name, sessions(of: key.name)) }
            return key?.limits ?? KeyLimits()
        case .failure(let refusal):
            metrics.keyRefused(key?.name, refusal.reason)
            throw refusal
        }
    }

    /// A session admitted with `admitOpen(newSession: true)` ended.
    func sessionClosed(_ grant: KeyGrant?) {
        guard let grant else { return }
        state.withLock { s in
            if var k = s.keys[grant.name] {
                k.sessions = max(0, k.sessions - 1)
                s.keys[grant.name] = k
            }
        }
        metrics.keySessionsOpen(grant.name, sessions(of: grant.name))
    }

    /// Sessions open under the key named `name`.
    func sessions(of name: String) -> Int { state.withLock { $0.keys[name]?.sessions ?? 0 } }

    /// Admits a round (or a completion's next tokens): the key's tokens per minute are not spent.
    func admitTokens(_ grant: KeyGrant?) throws(AccessRefusal) {
        guard let grant, let rate = grant.limits.tokensPerMinute else { return }
        let now = clock.now
        let allowed = state.withLock { s in
            var k = s.keys[grant.name] ?? KeyState()
            var bucket = k.tokens ?? TokenBucket(capacity: rate, now: now)
            let any = bucket.hasAny(now: now)
            k.tokens = bucket
            s.keys[grant.name] = k
            return any
        }
        guard allowed else {
            let refusal = AccessRefusal.keyTokens(key: grant.name, limit: rate)
            metrics.keyRefused(grant.name, refusal.reason)
            throw refusal
        }
    }

    /// The key's sessions produced `tokens` (counted in `/metrics` and against tokens per minute).
    func produced(_ grant: KeyGrant?, tokens: Int) {
        guard let grant, tokens > 0 else { return }
        metrics.keyTokens(grant.name, tokens)
        guard let rate = grant.limits.tokensPerMinute else { return }
        let now = clock.now
        state.withLock { s in
            var k = s.keys[grant.name] ?? KeyState()
            var bucket = k.tokens ?? TokenBucket(capacity: rate, now: now)
            bucket.spend(Double(tokens), now: now)
            k.tokens = bucket
            s.keys[grant.name] = k
        }
    }

    /// A refusal that is not the key's own (the server's session limit, rounds in flight), counted
    /// under the key when there is one.
    func refused(_ grant: KeyGrant?, _ reason: String) {
        metrics.keyRefused(grant?.name, reason)
    }
}
