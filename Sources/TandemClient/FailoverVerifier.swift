import Logging
import TandemDecoding
import TandemSecurity
import TandemWire
import TandemWireConversions

/// A `Verifier` over whichever compatible server answers: it opens on the best address its directory
/// gives and, when that server fails (connection lost and reconnects exhausted, refused, unreachable),
/// re-opens the whole agreed sequence with the remaining token budget on the next one and re-sends the
/// round. Like `RemoteVerifier` it holds the agreed sequence (the client is the source of truth), so
/// no token is lost or repeated and greedy output is the same as without the failure.
///
/// When no server can be reached it throws `VerifierUnavailable` (which `ResilientGenerator` answers
/// by drafting alone); a server's refusal that another server would repeat (tokenizer mismatch,
/// protocol version, a bad request) surfaces as the `WireError`.
public actor FailoverVerifier: Verifier, FailoverReporting {
    public struct Configuration: Sendable {
        public var directory: VerifierDirectory
        /// The draft tokenizer's fingerprint (must match the target's).
        public var draftFingerprint: String
        /// The draft model's name, shown in a server's refusal if fingerprints differ.
        public var draftModel: String?
        /// When set, only servers whose `opened` reports this model file SHA-256 are used.
        public var requireSha256: String?
        /// Longest wait for a connection or an answer from one server.
        public var timeout: Duration
        /// Reconnects to one server before moving to the next.
        public var maxReconnects: Int
        public var logger: Logger
        /// The verifiers' API key, sent on every upgrade (never logged).
        public var apiKey: String?

        public init(
            directory: VerifierDirectory, draftFingerprint: String, draftModel: String? = nil,
            requireSha256: String? = nil, timeout: Duration = .seconds(10), maxReconnects: Int = 1,
            logger: Logger = Logger(label: "tandem.failover"), apiKey: String? = nil
        ) {
            self.apiKey = apiKey
            self.directory = directory
            self.draftFingerprint = draftFingerprint
            self.draftModel = draftModel
            self.requireSha256 = requireSha256?.lowercased()
            self.timeout = timeout
            self.maxReconnects = maxReconnects
            self.logger = logger
        }
    }

    /// Server refusals another server may not repeat.
    static let transientCodes: Set<WireErrorCode> = [
        .sessionLimit, .internal, .idleTimeout, .overloaded, .rateLimited,
    ]

    public let configuration: Configuration
    private var current: RemoteVerifier?
    private var request: SessionRequest?
    private var agreed: [Int] = []
    private var lost = false
    /// Counts `close` calls, so an open that was in flight across one can tell.
    private var epoch = 0
    /// The server in use (`nil` between a failure and the next open).
    public private(set) var currentAddress: String?
    /// Every server a session was opened on, in order.
    public private(set) var history: [String] = []
    /// Times the sequence moved to a server after losing the previous one.
    public private(set) var failovers = 0

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Opens `request` on the server in use when there is one (a re-open there reuses its cache up to
    /// the common prefix), else on the best that accepts it.
    public func open(_ request: SessionRequest) async throws -> SessionInfo {
        self.request = request
        agreed = request.prompt
        var reused: SessionInfo?
        if let current {
            do {
                reused = try await current.open(request)
            } catch let error as ClientError {
                configuration.logger.notice(
                    "verifier \(currentAddress ?? "?") failed at open (\(error)); trying others")
                await dropCurrent()
            } catch let error as WireError where Self.transientCodes.contains(error.code) {
                await dropCurrent()
            } catch let error as IntegrityError {
                configuration.logger.warning(
                    "verifier \(currentAddress ?? "?") refused at open (\(error)); trying others")
                await dropCurrent()
            }
        }
        let info: SessionInfo
        if let reused {
            info = reused
        } else {
            info = try await openAnywhere(request)
        }
        if lost {
            failovers += 1
            lost = false
        }
        return info
    }

    public func verify(_ round: DraftRound) async throws -> Verdict {
        guard let request else { throw GenerationError.notOpen }
        while true {
            let remote: RemoteVerifier
            if let current {
                remote = current
            } else {
                let generated = agreed.count - request.prompt.count
                let resumed = SessionRequest(
                    prompt: agreed, sampling: request.sampling,
                    maxTokens: max(0, request.maxTokens - generated), stopTokens: request.stopTokens)
                _ = try await openAnywhere(resumed)
                failovers += 1
                lost = false
                guard let current else { continue }
                remote = current
            }
            do {
                let verdict = try await remote.verify(round)
                agreed += round.drafts[..<verdict.accepted]
                agreed.append(verdict.next)
                return verdict
            } catch let error as ClientError {
                try await fail(error)
            } catch let error as WireError where Self.transientCodes.contains(error.code) {
                try await fail(error)
            } catch let error as IntegrityError {
                // A re-open after a reconnect reached a server that is not the verifier it was.
                try await fail(error)
            }
        }
    }

    public func close() async {
        epoch += 1
        await dropCurrent()
        request = nil
    }

    // MARK: -

    private func fail(_ error: any Error) async throws {
        configuration.logger.notice("verifier \(currentAddress ?? "?") lost (\(error)); failing over")
        await dropCurrent()
        lost = true
        try Task.checkCancellation()
    }

    /// Opens `request` on the first candidate that accepts it.
    private func openAnywhere(_ request: SessionRequest) async throws -> SessionInfo {
        let started = epoch
        let candidates = try await configuration.directory.candidates()
        var failures: [String] = []
        for address in candidates {
            try Task.checkCancellation()
            var security = configuration.directory.security
            if let required = configuration.requireSha256 { security.requireSha256 = required }
            let remote = RemoteVerifier(
                .init(
                    url: address, draftFingerprint: configuration.draftFingerprint,
                    draftModel: configuration.draftModel, timeout: configuration.timeout,
                    maxReconnects: configuration.maxReconnects, logger: configuration.logger,
                    security: security, apiKey: configuration.apiKey))
            do {
                let info = try await remote.open(request)
                guard epoch == started else {
                    // Closed while this open was in flight (a background probe outliving its generation).
                    await remote.close()
                    throw CancellationError()
                }
                current = remote
                currentAddress = address
                history.append(address)
                return info
            } catch let error as ClientError {
                failures.append("\(address): \(error)")
                await remote.close()
            } catch let error as IntegrityError {
                // The wrong model, or no proof of the verifier secret: another server may be the right one.
                configuration.logger.warning("refused \(address): \(error)")
                failures.append("\(error)")
                await remote.close()
            } catch let error as WireError where Self.transientCodes.contains(error.code) {
                failures.append("\(address): \(error)")
                await remote.close()
            }
        }
        throw VerifierUnavailable(
            failures.isEmpty ? "no compatible verifier is listed" : failures.joined(separator: "; "))
    }

    private func dropCurrent() async {
        if let current {
            self.current = nil
            currentAddress = nil
            await current.close()
        }
    }
}
