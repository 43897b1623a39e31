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

    init(context: ServerContext, channel: any Channel, logger: Logger) {
        self.context = context
        self.channel = channel
        self.logger = logger
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
            for try await message in inbound.messages(maxSize: WireProtocol.maxFrameBytes) {
                lastActivity.touch()
                let reply: WireMessage?
                switch message {
                case .binary:
                    reply = .error(
                        ErrorMessage(code: .badFrame, message: "binary frames are not accepted; send JSON text frames"))
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
                return .routed(try await RouteHandler(context: context).extend(m, verifier: opened ? verifier : nil))
            case .opened, .verdict, .provisional, .error, .routed:
                throw WireError(.badFrame, "\"\(message.kind)\" is a server-to-client message")
            case .close, .generate:
                throw WireError(.internal, "\(message.kind) is handled by the read loop")
            }
        } catch let error as WireError {
            return .error(ErrorMessage(error))
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
        if sessionID == nil {
            guard let id = context.slots.acquire() else {
                throw WireError(
                    .sessionLimit, "the server holds its limit of \(context.slots.limit) sessions; retry later")
            }
            sessionID = id
            context.metrics.sessionsActive.record(context.slots.openCount)
        }
        let info: SessionInfo
        let clock = ContinuousClock()
        let openStarted = clock.now
        do {
            let verifier: InProcessVerifier
            if let existing = self.verifier {
                verifier = existing
            } else {
                let made = try context.makeSessionVerifier()
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
        guard m.drafts.count <= context.limits.maxWindow else {
            throw WireError(
                .windowTooLarge,
                "a window of \(m.drafts.count) drafts exceeds this server's limit of \(context.limits.maxWindow)")
        }
        context.load.roundStarted()
        var produced = 0
        defer { context.load.roundFinished(tokens: produced) }
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
        try await ServerGeneration.stream(m, verifier: verifier, metrics: context.metrics, batchStats: batchStats) {
            [codec, context, lastActivity] reply in
            if case .error(let e) = reply { context.metrics.error(e.code.rawValue) }
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
