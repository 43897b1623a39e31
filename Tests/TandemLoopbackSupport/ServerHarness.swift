import Foundation
import Logging
import TandemClient
import TandemDecoding
import TandemSecurity
import TandemServer
import TandemTestSupport
import TandemWire
import TandemWireConversions

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The toy pair most tests use: a target and a draft that disagrees with it a third of the time.
package enum Toys {
    package static let target = ToyModel.hashed(vocabularySize: 64, contextLength: 256, seed: 7, scale: 8)
    package static let draft = ToyModel.perturbed(target, disagreement: 0.3)
    package static let fingerprint = "toy-tokenizer-v1"

    package static func targetModel(_ model: ToyModel = target, fingerprint: String = fingerprint) -> TargetModel {
        TargetModel(
            id: "toy-target", fingerprint: fingerprint, vocabularySize: model.vocabularySize,
            contextLength: model.contextLength
        ) { model.makeSession() }
    }
}

/// Starts a loopback server on an ephemeral port for the duration of `body`.
@discardableResult
package func withServer<T>(
    model: TargetModel = Toys.targetModel(), limits: ServerLimits = ServerLimits(),
    faults: FaultInjection = FaultInjection(), clock: any Clock<Duration> = ContinuousClock(),
    _ body: (RunningServer) async throws -> T
) async throws -> T {
    try await withVerifierServer(model: model, limits: limits, faults: faults, clock: clock) { _, running in
        try await body(running)
    }
}

/// `withServer`, with the server value too (its `currentLoad` tells a test when a session was released).
@discardableResult
package func withVerifierServer<T>(
    model: TargetModel = Toys.targetModel(), limits: ServerLimits = ServerLimits(),
    faults: FaultInjection = FaultInjection(), clock: any Clock<Duration> = ContinuousClock(),
    security: ServerSecurity = ServerSecurity(), access: ServerAccess = ServerAccess(), logger: Logger? = nil,
    _ body: (VerifierServer, RunningServer) async throws -> T
) async throws -> T {
    var quiet = Logger(label: "test.server")
    quiet.logLevel = .warning
    let server = VerifierServer(
        model: model, limits: limits, host: "127.0.0.1", port: 0, faults: faults, logger: logger ?? quiet,
        clock: clock, security: security, access: access)
    let running = try await server.start()
    do {
        let value = try await body(server, running)
        await running.stop()
        return value
    } catch {
        await running.stop()
        throw error
    }
}

/// A client over the toy draft.
package func toyClient(
    _ server: RunningServer, policy: any WindowPolicy, draft: ToyModel = Toys.draft,
    fingerprint: String = Toys.fingerprint, preemptive: Bool = false, proactive: Bool = false
) -> AssistedClient {
    let verifier = RemoteVerifier(
        .init(
            url: server.assistURL, draftFingerprint: fingerprint, draftModel: "toy-draft",
            timeout: .seconds(10), preemptive: preemptive))
    return AssistedClient(
        drafter: ModelDrafter(session: draft.makeSession()), verifier: verifier, policy: policy,
        preemptive: preemptive, proactive: proactive)
}

/// A raw connection for sending hand-made frames.
package struct RawConnection {
    package let link: WebSocketLink
    package let codec = WireCodec()

    package static func connect(_ server: RunningServer, apiKey: String? = nil) async throws -> RawConnection {
        var logger = Logger(label: "test.raw")
        logger.logLevel = .warning
        return RawConnection(
            link: try await WebSocketLink.connect(
                url: server.assistURL, timeout: .seconds(10), logger: logger, apiKey: apiKey))
    }

    /// Sends a text frame and returns the decoded answer.
    package func send(_ text: String) async throws -> WireMessage {
        try await link.send(text)
        return try codec.decode(try await link.receive(timeout: .seconds(10)))
    }

    package func send(_ message: WireMessage) async throws -> WireMessage {
        try await send(try codec.encode(message))
    }

    package func close() async { await link.close() }
}

package func openMessage(
    _ prompt: [Int] = [1, 2, 3], maxTokens: Int = 32, fingerprint: String = Toys.fingerprint,
    preemptive: Bool? = nil
) -> WireMessage {
    .open(
        OpenMessage(
            draftFingerprint: fingerprint, draftModel: "toy-draft", sampling: .greedy, prompt: prompt,
            maxTokens: maxTokens, stopTokens: [], preemptive: preemptive))
}

/// GET over loopback HTTP; returns status and body.
package func httpGet(_ url: String, authorization: String? = nil) async throws -> (Int, String) {
    guard let url = URL(string: url) else { throw URLError(.badURL) }
    var request = URLRequest(url: url)
    request.timeoutInterval = 10
    if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

/// A logger that only reports critical trouble.
package func quietLogger() -> Logger {
    var logger = Logger(label: "test.failover")
    logger.logLevel = .critical
    return logger
}

/// Moves `clock` forward by `step` each time something sleeps on it, until `done` holds: how a test
/// lets a timeout fire (an idle watchdog, a back-off) without sleeping against it. Each step passes
/// every deadline set so far, so what waits on the clock fires at the first step, or at the next one
/// when it re-armed its deadline after the step. `done` is polled every few milliseconds; the outcome
/// never depends on how long anything took.
package func advance(
    _ clock: ManualClock, by step: Duration, until done: @Sendable () async throws -> Bool
) async throws {
    let stepper = Task {
        while !Task.isCancelled {
            try await clock.waitForSleepers()
            clock.advance(by: step)
        }
    }
    do {
        while try await !done() { try await Task.sleep(for: .milliseconds(5)) }
    } catch {
        stepper.cancel()
        _ = await stepper.result
        throw error
    }
    // The stepper has stopped before the caller goes on: the clock stands still from here.
    stepper.cancel()
    _ = await stepper.result
}
