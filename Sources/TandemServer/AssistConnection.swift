import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization
import TandemDecoding
import TandemSecurity
import TandemUtilities
import TandemWire
import TandemWireConversions

/// One client connection at `/v1/assist`: reads frames in order, answers each, and owns at most one
/// session (a slot, a verifier and its KV cache) until `close`, a disconnect or the idle timeout.
///
/// Every frame gets exactly one answer (`opened`, `verdict` or `error`) except `close`; no input can
/// crash the server or reach another connection's session.
final class AssistConnection {
    private let context: ServerContext
    private let channel: any Channel
    private let logger: Logger
    private let codec = WireCodec()
    private let lastActivity: ActivityClock

    private var sessionID: String?
    private var verifier: InProcessVerifier?
    /// The batch statistics of the session's passes (with continuous batching).
    private var batchStats: BatchStatsBox?
    private var opened = false
    /// The session asked for `provisional` frames (`open.preemptive`).
    private var preemptive = false
    private var outbound: WebSocketOutboundWriter?
    /// The API key the upgrade was admitted with (nil when the server has no keys).
    private let grant: KeyGrant?
    /// The session's own limits: the server's, narrowed by the key's.
    private var limits: ServerLimits

    init(context: ServerContext, channel: any Channel, logger: Logger, grant: KeyGrant?) {
        self.context = context
        self.channel = channel
        self.logger = logger
        self.grant = grant
        limits = context.limits
        lastActivity = ActivityClock(context.clock)
    }

    /// Serves the connection until the client closes it, sends `close`, or stays idle too long.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        defer { releaseSession() }
        self.outbound = outbound
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [lastActivity, context, codec, logger] in
                // Idle watchdog: the reading loop below ends when the close handshake completes.
                let timeout = context.limits.idleTimeout
                while !Task.isCancelled {
                    let deadline = lastActivity.last + timeout
                    if lastActivity.clock.now >= deadline {
                        context.metrics.error(WireErrorCode.idleTimeout.rawValue)
                        logger.info("closing idle connection")
                        let frame = try? codec.encode(
                            .error(
                                ErrorMessage(
                                    code: .idleTimeout,
                                    message: "no message for \(timeout); the session is closed, re-open to continue")))
                        if let frame { try? await outbound.write(.text(frame)) }
                        try? await outbound.close(.normalClosure, reason: "idle")
                        return
                    }
                    try? await lastActivity.clock.sleep(until: deadline)
                }
            }
            await self.readLoop(inbound: inbound, outbound: outbound)
            group.cancelAll()
        }
    }

    private func readLoop(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        do {
            var messages = CappedMessages(inbound, limit: context.limits.maxFrameBytes)
            while let message = try await messages.next() {
                lastActivity.touch()
                let reply: WireMessage?
                switch message {
                case .tooLarge:
                    context.metrics.error(WireErrorCode.frameTooLarge.rawValue)
                    context.access.refused(grant, "frame_size")
                    let frame = try codec.encode(
                        .error(
                            ErrorMessage(
                                code: .frameTooLarge,
                                message:
                                    "a message over this server's limit of \(context.limits.maxFrameBytes) bytes; the connection is closed"
                            )))
                    try await outbound.write(.text(frame))
                    try await outbound.close(.messageTooLarge, reason: "message too large")
                    return
                case .binary:
                    reply = .error(
                        ErrorMessage(code: .badFrame, message: "binary frames are not accepted; send JSON text frames"))
                case .invalidText, .stray:
                    reply = .error(
                        ErrorMessage(
                            code: .badFrame, message: "a text frame that is not UTF-8, or a stray continuation"))
                case .text(let text):
                    do {
                        let decoded = try codec.decode(text)
                        if case .close = decoded {
                            releaseSession()
                            try await outbound.close(.normalClosure, reason: "closed")
                            return
                        }
                        if case .generate(let m) = decoded {
                            try await generate(m, outbound: outbound)
                            lastActivity.touch()
                            continue
                        }
                        if isInjectedFault(decoded) {
                            logger.notice("fault injection: dropping the connection")
                            try? await channel.close()
                            return
                        }
                        reply = await handle(decoded)
                    } catch let error as WireError {
                        reply = .error(ErrorMessage(error))
                    }
                }
                if let reply {
                    if case .error(let e) = reply { context.metrics.error(e.code.rawValue) }
                    try await outbound.write(.text(try codec.encode(reply)))
                }
                lastActivity.touch()
            }
        } catch {
            logger.debug("connection ended: \(error)")
        }
    }

    /// Whether `message` meets an injected fault (tests): the n-th `verify` of `dropConnectionAtVerify`,
    /// or any `open` or `verify` once the server has gone down (`goDownAtVerify`).
    private func isInjectedFault(_ message: WireMessage) -> Bool {
        let faults = context.faults
        guard faults.dropConnectionAtVerify != nil || faults.goDownAtVerify != nil else { return false }
        switch message {
        case .verify:
            let n = context.slots.countVerify()
            return n == faults.dropConnectionAtVerify || faults.goDownAtVerify.map { n >= $0 } == true
        case .open:
            return faults.goDownAtVerify.map { context.slots.verifyCount >= $0 } == true
        default:
            return false
        }
    }

    private func handle(_ message: WireMessage) async -> WireMessage {
        do {
            switch message {
            case .open(let m): return .opened(try await open(m))
            case .verify(let m): return .verdict(try await verify(m))
            case .extend(let m):
                try admitRound()
                defer { context.load.roundFinished(tokens: 0) }
                let routed = try await RouteHandler(context: context, limits: limits).extend(
                    m, verifier: opened ? verifier : nil)
                context.access.produced(grant, tokens: m.tokens.count + routed.tokens.count)
                return .routed(routed)
            case .opened, .verdict, .provisional, .error, .routed:
                throw WireError(.badFrame, "\"\(message.kind)\" is a server-to-client message")
            case .close, .generate:
                throw WireError(.internal, "\(message.kind) is handled by the read loop")
            }
        } catch let error as WireError {
            return .error(ErrorMessage(error))
        } catch let refusal as AccessRefusal {
            return .error(ErrorMessage(code: refusal.wireCode, message: refusal.description))
        } catch let error as GenerationError {
            return .error(ErrorMessage(WireError(error)))
        } catch {
            logger.error("internal error: \(error)")
            return .error(ErrorMessage(code: .internal, message: "the server failed: \(error)"))
        }
    }

    private func open(_ m: OpenMessage) async throws -> OpenedMessage {
        let model = context.model
        guard m.protocol == WireProtocol.name else {
            throw WireError(
                .protocolVersion,
                "protocol \"\(m.protocol.prefix(64))\" is not supported; this server speaks \(WireProtocol.name) v\(WireProtocol.version)"
            )
        }
        if let nonce = m.nonce, nonce.isEmpty || nonce.utf8.count > OpenMessage.maxNonceLength {
            throw WireError(.invalidRequest, "nonce must be 1–\(OpenMessage.maxNonceLength) characters")
        }
        guard m.draftFingerprint == model.fingerprint else {
            let draft = m.draftModel.map { "draft model '\($0.prefix(200))'" } ?? "the draft model"
            throw WireError(
                .fingerprintMismatch,
                "\(draft) has tokenizer fingerprint \(m.draftFingerprint.prefix(16)), but target model '\(model.id)' has \(model.fingerprint.prefix(16)); the two models must share one tokenizer"
            )
        }
        opened = false
        // The key (still valid after a reload?), its session cap and the open rates, before a slot.
        let newSession = sessionID == nil
        let keyLimits = try context.access.admitOpen(grant, newSession: newSession)
        if newSession {
            guard let id = context.slots.acquire() else {
                context.access.sessionClosed(grant)
                context.access.refused(grant, "server_sessions")
                throw WireError(
                    .sessionLimit, "the server holds its limit of \(context.slots.limit) sessions; retry later")
            }
            sessionID = id
            context.metrics.sessionsActive.record(context.slots.openCount)
        }
        let narrowed = context.limits.narrowed(by: keyLimits)
        if narrowed != limits, self.verifier != nil {
            // The key's limits changed on a reload: the next session is made under the new ones.
            if let verifier { Task { await verifier.close() } }
            self.verifier = nil
        }
        limits = narrowed
        let info: SessionInfo
        let clock = ContinuousClock()
        let openStarted = clock.now
        do {
            let verifier: InProcessVerifier
            if let existing = self.verifier {
                verifier = existing
            } else {
                let made = try context.makeSessionVerifier(limits: limits)
                verifier = made.verifier
                batchStats = made.batchStats
            }
            self.verifier = verifier
            info = try await verifier.open(m.request)
        } catch {
            // A refused open holds nothing: its slot and cache go back to the server.
            releaseSession()
            throw error
        }
        opened = true
        preemptive = m.preemptive ?? false
        context.metrics.sessionsOpened.increment()
        let openSeconds = clock.now - openStarted
        return OpenedMessage(
            session: sessionID ?? "", model: model.id, targetFingerprint: model.fingerprint, base: info.base,
            limits: WireLimits(
                maxWindow: info.maxWindow, contextLength: info.contextLength,
                vocabularySize: info.vocabularySize),
            modelSha256: model.sha256,
            timings: WireTimings(
                computeMs: openSeconds.seconds * 1000,
                cpuMs: info.serverCPUSeconds * 1000),
            proof: m.nonce.flatMap { nonce in
                context.secret?.proof(nonce: nonce, modelSha256: model.sha256)
            })
    }

    private func verify(_ m: VerifyMessage) async throws -> VerdictMessage {
        guard opened, let verifier else {
            throw WireError(
                .notOpen, "no open session on this connection: send open first (again after an error on open)")
        }
        guard m.drafts.count <= limits.maxWindow else {
            throw WireError(
                .windowTooLarge,
                "a window of \(m.drafts.count) drafts exceeds this session's limit of \(limits.maxWindow)")
        }
        try admitRound()
        var produced = 0
        defer {
            context.load.roundFinished(tokens: produced)
            context.access.produced(grant, tokens: produced)
        }
        let verdict: Verdict
        do {
            if preemptive, let outbound {
                verdict = try await ProvisionalRelay.verify(
                    m.draftRound, on: verifier, outbound: outbound, metrics: context.metrics)
            } else {
                verdict = try await verifier.verify(m.draftRound)
            }
        } catch let GenerationError.windowTooLarge(requested, limit) {
            throw WireError(.contextFull, "\(requested) drafts do not fit the context: \(limit) positions are left")
        } catch GenerationError.sessionFinished {
            throw WireError(
                .sessionFinished,
                "the session has finished (stop token, token limit or full context); open a new one to continue")
        }
        let metrics = context.metrics
        metrics.rounds.increment()
        metrics.proposed.increment(by: m.drafts.count)
        metrics.accepted.increment(by: verdict.accepted)
        metrics.generated.increment(by: verdict.accepted + 1)
        produced = verdict.accepted + 1
        var message = VerdictMessage(verdict)
        if let stats = batchStats?.take() { message.timings.add(stats) }
        metrics.verifyLatency.recordNanoseconds(Int64(message.timings.computeMs * 1e6))
        metrics.queueLatency.recordNanoseconds(Int64(message.timings.queueMs * 1e6))
        return message
    }

    /// Counts a round in flight, unless the key's tokens per minute are spent or the server holds
    /// `maxQueuedRounds` rounds (then nothing is counted). The caller ends it with `roundFinished`.
    private func admitRound() throws {
        try context.access.admitTokens(grant)
        guard context.load.tryRoundStarted(limit: context.limits.maxQueuedRounds) else {
            let refusal = AccessRefusal.overloaded(limit: context.limits.maxQueuedRounds ?? 0)
            context.access.refused(grant, refusal.reason)
            throw refusal
        }
    }

    /// `generate`: streams the rest of the session, a verdict per token (`ServerGeneration`).
    private func generate(_ m: GenerateMessage, outbound: WebSocketOutboundWriter) async throws {
        guard opened, let verifier else {
            context.metrics.error(WireErrorCode.notOpen.rawValue)
            let frame = try codec.encode(
                .error(
                    ErrorMessage(
                        code: .notOpen,
                        message: "no open session on this connection: send open first (again after an error on open)")))
            try await outbound.write(.text(frame))
            return
        }
        do {
            // A stream is admitted as a whole; its tokens count against the key as they are made.
            try context.access.admitTokens(grant)
        } catch {
            context.metrics.error(error.wireCode.rawValue)
            try await outbound.write(
                .text(try codec.encode(.error(ErrorMessage(code: error.wireCode, message: error.description)))))
            return
        }
        try await ServerGeneration.stream(m, verifier: verifier, metrics: context.metrics, batchStats: batchStats) {
            [codec, context, lastActivity, grant] reply in
            if case .error(let e) = reply { context.metrics.error(e.code.rawValue) }
            if case .verdict(let v) = reply { context.access.produced(grant, tokens: v.accepted + 1) }
            try await outbound.write(.text(try codec.encode(reply)))
            lastActivity.touch()
        }
    }

    private func releaseSession() {
        opened = false
        if let verifier {
            self.verifier = nil
            Task { await verifier.close() }
        }
        if sessionID != nil {
            sessionID = nil
            context.access.sessionClosed(grant)
            context.slots.release()
            context.metrics.sessionsActive.record(context.slots.openCount)
        }
    }
}

/// When a connection last heard from or answered its client (shared with its idle watchdog), on the
/// server's clock.
final class ActivityClock: Sendable {
    let clock: ElapsedClock
    private let instant: Mutex<Duration>

    init(_ clock: ElapsedClock) {
        self.clock = clock
        instant = Mutex(clock.now)
    }

    var last: Duration { instant.withLock { $0 } }

    func touch() {
        let now = clock.now
        instant.withLock { $0 = now }
    }
}
