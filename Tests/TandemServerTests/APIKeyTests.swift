import Foundation
import Logging
import Synchronization
import TandemClient
import TandemLoopbackSupport
import TandemTestSupport
import TandemUtilities
import TandemWire
import Testing

@testable import TandemServer

/// Three keys; "alpha" may hold one session, "beta" may make 3 tokens a minute, "gamma" is unlimited.
enum TestKeys {
    static let alpha = "ak-alpha-0123456789abcdef"
    static let beta = "ak-beta-0123456789abcdef"
    static let gamma = "ak-gamma-0123456789abcdef"
    static var all: [String] { [alpha, beta, gamma] }

    static func entries() -> [APIKey] {
        [
            APIKey(name: "alpha", key: alpha, limits: KeyLimits(maxSessions: 1)),
            APIKey(name: "beta", key: beta, limits: KeyLimits(tokensPerMinute: 3)),
            APIKey(name: "gamma", key: gamma),
        ]
    }

    static func fileText(_ keys: [APIKey]) -> String {
        let items = keys.map { k in
            var fields = ["\"name\":\"\(k.name)\"", "\"key\":\"\(k.key)\""]
            if let n = k.limits.maxSessions { fields.append("\"max_sessions\":\(n)") }
            if let n = k.limits.tokensPerMinute { fields.append("\"tokens_per_minute\":\(n)") }
            return "{" + fields.joined(separator: ",") + "}"
        }
        return "{\"keys\":[" + items.joined(separator: ",") + "]}"
    }

    /// A key file in a fresh temporary directory.
    static func writeFile(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("keys.json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Every log record's message and metadata, as text (to prove no key is ever logged).
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    func logger() -> Logger {
        var logger = Logger(label: "test.capture") { _ in CaptureHandler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

struct CaptureHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        log.lines.withLock { $0.append("\(event.level) \(event.message) \(all)") }
    }
}

/// Sends verify rounds until one is refused; returns the refusal (nil if `rounds` were all served).
func roundsUntilRefused(_ c: RawConnection, base start: Int, rounds: Int) async throws -> ErrorMessage? {
    var base = start
    for round in 1...rounds {
        switch try await c.send(.verify(VerifyMessage(round: round, base: base, drafts: [1]))) {
        case .verdict(let v): base += v.accepted + 1
        case .error(let e): return e
        default: return nil
        }
    }
    return nil
}

func errorCode(_ reply: WireMessage) -> WireErrorCode? {
    if case .error(let e) = reply { return e.code }
    return nil
}

@Suite("API keys on /v1/assist", .timeLimit(.minutes(2)))
struct APIKeyTests {
    func keyed(
        limits: ServerLimits = ServerLimits(), clock: any Clock<Duration> = ManualClock(), logger: Logger? = nil,
        keys: APIKeyring = APIKeyring(keys: TestKeys.entries()),
        _ body: (VerifierServer, RunningServer) async throws -> Void
    ) async throws {
        try await withVerifierServer(
            limits: limits, clock: clock, access: ServerAccess(keys: keys), logger: logger, body)
    }

    @Test("no key or a wrong key: the upgrade is refused with OpenAI's 401 and no session is opened")
    func missingAndWrongKeys() async throws {
        try await keyed { server, running in
            for key in [nil, "wrong-key", TestKeys.alpha + "x", String(TestKeys.alpha.dropLast())] {
                await #expect(throws: ClientError.self, "key \(key ?? "none")") {
                    _ = try await RawConnection.connect(running, apiKey: key)
                }
            }
            let (status, body) = try await httpGet(running.httpURL + WireProtocol.path)
            #expect(status == 401)
            let error = try #require(
                (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["error"] as? [String: Any])
            #expect(error["code"] as? String == "invalid_api_key")
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["param"] is NSNull)
            #expect(error["message"] is String)
            let (wrongStatus, _) = try await httpGet(
                running.httpURL + WireProtocol.path, authorization: "Bearer not-a-key")
            #expect(wrongStatus == 401)
            #expect(server.currentLoad.activeSessions == 0)
            let (_, metrics) = try await httpGet(running.httpURL + "/metrics")
            #expect(metrics.contains("tandem_auth_refusals_total{reason=\"missing_key\"}"))
            #expect(metrics.contains("tandem_auth_refusals_total{reason=\"invalid_key\"}"))
            #expect(!metrics.contains("tandem_sessions_opened_total 1"))
        }
    }

    @Test("a valid key opens and verifies; /metrics counts it by name and never shows a key")
    func validKey() async throws {
        try await keyed { server, running in
            let c = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            guard case .opened = try await c.send(openMessage()) else {
                Issue.record("a valid key was not served")
                return
            }
            #expect(try await roundsUntilRefused(c, base: 3, rounds: 2) == nil)
            #expect(server.currentLoad.activeSessions == 1)
            let (_, metrics) = try await httpGet(running.httpURL + "/metrics")
            #expect(metrics.contains("tandem_key_requests_total{key=\"gamma\"}"))
            #expect(metrics.contains("tandem_key_sessions_open{key=\"gamma\"} 1"))
            #expect(metrics.contains("tandem_key_tokens_total{key=\"gamma\"}"))
            for key in TestKeys.all { #expect(!metrics.contains(key)) }
            await c.close()
        }
    }

    @Test(
        "a key revoked by a reload of the file is refused: new upgrades get 401, a held connection's open gets unauthorized"
    )
    func revokedOnReload() async throws {
        let path = try TestKeys.writeFile(TestKeys.fileText(TestKeys.entries()))
        let keyring = try APIKeyring(path: path)
        try await keyed(keys: keyring) { server, running in
            let held = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            guard case .opened = try await held.send(openMessage()) else {
                Issue.record("open failed before the reload")
                return
            }
            // The file loses gamma; the reload (what SIGHUP runs) takes effect at once.
            try Data(TestKeys.fileText(Array(TestKeys.entries().prefix(2))).utf8).write(
                to: URL(fileURLWithPath: path))
            #expect(try keyring.reload() == 2)
            await #expect(throws: ClientError.self) {
                _ = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            }
            let (status, _) = try await httpGet(
                running.httpURL + WireProtocol.path, authorization: "Bearer \(TestKeys.gamma)")
            #expect(status == 401)
            #expect(errorCode(try await held.send(openMessage())) == .unauthorized)
            // The others keep working.
            let other = try await RawConnection.connect(running, apiKey: TestKeys.beta)
            guard case .opened = try await other.send(openMessage()) else {
                Issue.record("a key that was kept stopped working")
                return
            }
            await held.close()
            await other.close()
            _ = server
        }
    }

    @Test("a bad file on reload keeps the keys held, and the error names the fault without a key")
    func badReloadKeepsKeys() throws {
        let path = try TestKeys.writeFile(TestKeys.fileText(TestKeys.entries()))
        let keyring = try APIKeyring(path: path)
        try Data("{\"keys\":[{\"name\":\"x\",\"key\":\"\"}]}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: APIKeyFileError.self) { try keyring.reload() }
        #expect(keyring.names == ["alpha", "beta", "gamma"])
        #expect(keyring.match(Array(TestKeys.alpha.utf8))?.name == "alpha")
    }

    @Test("a key over its max_sessions gets session_limit while another key opens")
    func keySessionCap() async throws {
        try await keyed { server, running in
            let first = try await RawConnection.connect(running, apiKey: TestKeys.alpha)
            guard case .opened = try await first.send(openMessage()) else {
                Issue.record("the first session of alpha was refused")
                return
            }
            let second = try await RawConnection.connect(running, apiKey: TestKeys.alpha)
            #expect(errorCode(try await second.send(openMessage())) == .sessionLimit)
            let other = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            guard case .opened = try await other.send(openMessage()) else {
                Issue.record("another key was refused")
                return
            }
            #expect(server.currentLoad.activeSessions == 2)
            let (_, metrics) = try await httpGet(running.httpURL + "/metrics")
            #expect(metrics.contains("tandem_key_refusals_total{key=\"alpha\",reason=\"sessions\"} 1"))
            for c in [first, second, other] { await c.close() }
        }
    }

    @Test("a key over its tokens per minute gets rate_limited while another key proceeds")
    func keyTokenRate() async throws {
        // The manual clock never moves, so the bucket never refills during the test.
        try await keyed { _, running in
            let beta = try await RawConnection.connect(running, apiKey: TestKeys.beta)
            guard case .opened = try await beta.send(openMessage(maxTokens: 64)) else {
                Issue.record("open failed")
                return
            }
            // 3 tokens a minute; each round makes at least one.
            let refusal = try await roundsUntilRefused(beta, base: 3, rounds: 5)
            #expect(refusal?.code == .rateLimited)
            let gamma = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            guard case .opened = try await gamma.send(openMessage(maxTokens: 64)) else {
                Issue.record("open failed")
                return
            }
            #expect(try await roundsUntilRefused(gamma, base: 3, rounds: 5) == nil)
            let (_, metrics) = try await httpGet(running.httpURL + "/metrics")
            #expect(metrics.contains("tandem_key_refusals_total{key=\"beta\",reason=\"tokens_per_minute\"}"))
            await beta.close()
            await gamma.close()
        }
    }

    @Test("the server's open rate: the third open in a minute is rate_limited, the bucket refills with time")
    func openRate() async throws {
        let clock = ManualClock()
        try await keyed(limits: ServerLimits(opensPerMinute: 2), clock: clock) { _, running in
            var connections: [RawConnection] = []
            for _ in 0..<2 {
                let c = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
                connections.append(c)
                guard case .opened = try await c.send(openMessage()) else {
                    Issue.record("an open within the rate was refused")
                    return
                }
            }
            let third = try await RawConnection.connect(running, apiKey: TestKeys.beta)
            connections.append(third)
            #expect(errorCode(try await third.send(openMessage())) == .rateLimited)
            clock.advance(by: .seconds(30))  // one open's worth
            guard case .opened = try await third.send(openMessage()) else {
                Issue.record("the bucket did not refill")
                return
            }
            for c in connections { await c.close() }
        }
    }

    @Test("a key's own opens per minute")
    func keyOpenRate() async throws {
        let keys = APIKeyring(keys: [APIKey(name: "once", key: "k-once-123", limits: KeyLimits(opensPerMinute: 1))])
        try await keyed(keys: keys) { _, running in
            let c = try await RawConnection.connect(running, apiKey: "k-once-123")
            guard case .opened = try await c.send(openMessage()) else {
                Issue.record("the first open was refused")
                return
            }
            #expect(errorCode(try await c.send(openMessage())) == .rateLimited)
            await c.close()
        }
    }

    @Test("a message over the frame cap closes its connection; another client is unaffected")
    func frameCap() async throws {
        try await keyed(limits: ServerLimits(maxFrameBytes: 4096), clock: ContinuousClock()) { _, running in
            let other = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            guard case .opened = try await other.send(openMessage()) else {
                Issue.record("open failed")
                return
            }
            // Just under the cap is read and answered.
            let near = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            let fits = "{\"type\":\"close\",\"v\":2,\"pad\":\"" + String(repeating: "x", count: 3000) + "\"}"
            #expect(fits.utf8.count < 4096)
            _ = try? await near.send("{\"type\":\"nope\",\"v\":2,\"pad\":\"\(String(repeating: "x", count: 3000))\"}")
            let hostile = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            let huge = "{\"type\":\"open\",\"v\":2,\"prompt\":[" + String(repeating: "1,", count: 4000) + "1]}"
            do {
                let reply = try await hostile.send(huge)
                #expect(errorCode(reply) == .frameTooLarge)
            } catch is ClientError {
                // The server closed the connection before the client read the error frame.
            }
            // Whatever it was told, the hostile connection is closed.
            await #expect(throws: (any Error).self) {
                try await hostile.link.send("{\"type\":\"close\",\"v\":2}")
                _ = try await hostile.link.receive(timeout: .seconds(5))
            }
            guard case .verdict = try await other.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [1]))) else {
                Issue.record("the other session stopped being served")
                return
            }
            await near.close()
            await other.close()
        }
    }

    @Test("a message of several frames over the cap gets error{frame_too_large}, then its connection closes")
    func fragmentedMessageCap() async throws {
        try await keyed(limits: ServerLimits(maxFrameBytes: 4096), clock: ContinuousClock()) { _, running in
            var logger = Logger(label: "test.fragments")
            logger.logLevel = .critical
            // 1 KiB frames: each is under the cap, the message is not.
            let link = try await WebSocketLink.connect(
                url: running.assistURL, timeout: .seconds(10), logger: logger, apiKey: TestKeys.gamma,
                maxFrameSize: 1024)
            // Just over the cap, so its last frame is the one that crosses it (the whole message is sent
            // before the server answers and closes).
            let huge = "{\"type\":\"open\",\"v\":2,\"prompt\":[" + String(repeating: "1,", count: 2200) + "1]}"
            #expect(huge.utf8.count > 4096 && huge.utf8.count < 5120)
            try await link.sendFragmented(huge)
            let reply = try WireCodec().decode(try await link.receive(timeout: .seconds(10)))
            #expect(errorCode(reply) == .frameTooLarge)
            await #expect(throws: (any Error).self) { _ = try await link.receive(timeout: .seconds(5)) }
            // A message of several frames under the cap is joined and answered (JSON whitespace pads
            // an open to three 1 KiB frames).
            let fine = try await WebSocketLink.connect(
                url: running.assistURL, timeout: .seconds(10), logger: logger, apiKey: TestKeys.gamma,
                maxFrameSize: 1024)
            let open = try WireCodec().encode(openMessage())
            try await fine.sendFragmented("{" + String(repeating: " ", count: 2500) + open.dropFirst())
            guard case .opened = try WireCodec().decode(try await fine.receive(timeout: .seconds(10))) else {
                Issue.record("a fragmented open under the cap was not served")
                return
            }
            await link.close()
            await fine.close()
        }
    }

    @Test("a key's max_window and max_context narrow its sessions")
    func keyWindowAndContext() async throws {
        let keys = APIKeyring(keys: [
            APIKey(name: "narrow", key: "k-narrow-1", limits: KeyLimits(maxContext: 64, maxWindow: 2))
        ])
        try await keyed(keys: keys) { _, running in
            let c = try await RawConnection.connect(running, apiKey: "k-narrow-1")
            guard case .opened(let opened) = try await c.send(openMessage()) else {
                Issue.record("open failed")
                return
            }
            #expect(opened.limits.maxWindow == 2)
            #expect(opened.limits.contextLength == 64)
            let reply = try await c.send(.verify(VerifyMessage(round: 1, base: 3, drafts: [1, 2, 3])))
            #expect(errorCode(reply) == .windowTooLarge)
            await c.close()
        }
    }

    @Test("no key ever reaches the log, refused or admitted")
    func keysNeverLogged() async throws {
        let log = CapturedLog()
        try await keyed(logger: log.logger()) { _, running in
            for key in [TestKeys.alpha, "ak-wrong-secret-999"] {
                if let c = try? await RawConnection.connect(running, apiKey: key) {
                    _ = try await c.send(openMessage())
                    _ = try await c.send(openMessage())
                    await c.close()
                }
                _ = try await httpGet(running.httpURL + WireProtocol.path, authorization: "Bearer \(key)")
            }
        }
        let text = log.text
        #expect(!text.isEmpty)
        for key in TestKeys.all + ["ak-wrong-secret-999"] { #expect(!text.contains(key)) }
    }

    @Test("the key check compares through ConstantTimeCompare.equal, every key, without stopping at a match")
    func constantTimeCompareIsCalled() async throws {
        let seen = Mutex<[[UInt8]]>([])
        let keyring = APIKeyring(keys: TestKeys.entries())
        let match = ConstantTimeCompare.$observer.withValue({ a, b in seen.withLock { $0.append(contentsOf: [a, b]) } })
        {
            keyring.match(Array(TestKeys.alpha.utf8))
        }
        #expect(match?.name == "alpha")
        let compared = seen.withLock { $0 }
        // alpha is the first key; beta and gamma are still compared.
        for key in TestKeys.all { #expect(compared.contains(Array(key.utf8))) }
        // Through the server's admission path too (what the upgrade and the OpenAI middleware call).
        let access = AccessControl(
            keyring: keyring, limits: ServerLimits(), metrics: ServerMetrics(), clock: ElapsedClock(ContinuousClock()))
        let calls = Mutex(0)
        let result = ConstantTimeCompare.$observer.withValue({ _, _ in calls.withLock { $0 += 1 } }) {
            access.authorize("Bearer wrong")
        }
        #expect((try? result.get()) == nil)
        #expect(calls.withLock { $0 } == TestKeys.all.count)
        // And end to end: an upgrade over loopback goes through the same function (a global count).
        try await keyed(keys: keyring) { _, running in
            let before = ConstantTimeCompare.callCount
            let c = try await RawConnection.connect(running, apiKey: TestKeys.gamma)
            #expect(ConstantTimeCompare.callCount - before >= TestKeys.all.count)
            await c.close()
        }
    }
}

@Suite("API key file")
struct APIKeyFileTests {
    func refusal(_ text: String) -> String? {
        do {
            _ = try APIKeyFile.parse(Data(text.utf8))
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a good file, limits optional")
    func good() throws {
        let keys = try APIKeyFile.parse(
            Data(
                #"{"keys":[{"name":"mobile-app","key":"k1","max_sessions":4,"tokens_per_minute":6000,"max_context":8192,"max_window":16},{"name":"ci","key":"k2"}]}"#
                    .utf8))
        #expect(keys.map(\.name) == ["mobile-app", "ci"])
        #expect(keys[0].limits == KeyLimits(maxSessions: 4, tokensPerMinute: 6000, maxContext: 8192, maxWindow: 16))
        #expect(keys[1].limits == KeyLimits())
        #expect("\(keys[0])" == "key \"mobile-app\"")
    }

    @Test(
        "clear refusals that never quote a key",
        arguments: [
            ("{\"keys\":[", "malformed JSON"),
            ("[]", "wrong type"),
            ("{}", "missing \"keys\""),
            (#"{"keys":[{"name":"a","key":"SECRET1"},{"name":"a","key":"SECRET2"}]}"#, "used twice"),
            (#"{"keys":[{"name":"a","key":"SECRET1"},{"name":"b","key":"SECRET1"}]}"#, "same key"),
            (#"{"keys":[{"name":"a","key":""}]}"#, "empty"),
            (#"{"keys":[{"name":"a","key":"SECRET1","max_sessions":0}]}"#, "max_sessions"),
            (#"{"keys":[{"name":"a","key":"SECRET1","max_sessions":-3}]}"#, "max_sessions"),
            (#"{"keys":[{"name":"a","key":"SECRET1","tokens_per_minute":1.5}]}"#, "tokens_per_minute"),
            (#"{"keys":[{"name":"a","key":"SECRET1","max_window":"16"}]}"#, "max_window"),
            (#"{"keys":[{"name":"a","key":"SECRET1","max_window":true}]}"#, "max_window"),
            (#"{"keys":[{"name":"a","key":"SECRET1","max_sesions":4}]}"#, "unknown field"),
            (#"{"keys":[{"name":"a b","key":"SECRET1"}]}"#, "name"),
            (#"{"keys":[{"name":"a","key":"SEC RET1"}]}"#, "visible ASCII"),
            (#"{"keys":[{"key":"SECRET1"}]}"#, "missing \"name\""),
        ])
    func refusals(text: String, expected: String) {
        let message = refusal(text)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
        #expect(message?.contains("SECRET1") != true)
        #expect(message?.contains("SECRET2") != true)
    }
}

@Suite("Access without keys")
struct OpenAccessTests {
    @Test("without keys the server binds loopback only, unless insecureOpen")
    func loopbackOnly() async throws {
        #expect(ServerAccess.isLoopback("127.0.0.1"))
        #expect(ServerAccess.isLoopback("localhost"))
        #expect(ServerAccess.isLoopback("::1"))
        #expect(ServerAccess.isLoopback("127.1.2.3"))
        #expect(!ServerAccess.isLoopback("0.0.0.0"))
        #expect(!ServerAccess.isLoopback("10.0.0.7"))
        #expect(!ServerAccess.isLoopback("127.0.0.1.example.com"))
        #expect(throws: ServerAccessError.self) { try ServerAccess().checkBinding(host: "0.0.0.0") }
        try ServerAccess(insecureOpen: true).checkBinding(host: "0.0.0.0")
        try ServerAccess(keys: APIKeyring(keys: TestKeys.entries())).checkBinding(host: "0.0.0.0")
        // The server itself refuses before binding.
        let server = VerifierServer(model: Toys.targetModel(), host: "0.0.0.0", port: 0, logger: quietLogger())
        await #expect(throws: ServerAccessError.self) { _ = try await server.start() }
        #expect(ServerAccess().summary.contains("loopback"))
        #expect(ServerAccess(insecureOpen: true).summary.contains("OPEN"))
    }

    @Test("rounds in flight are capped atomically")
    func queuedRoundsCap() {
        let load = LoadTracker()
        #expect(load.tryRoundStarted(limit: 2))
        #expect(load.tryRoundStarted(limit: 2))
        #expect(!load.tryRoundStarted(limit: 2))
        #expect(load.inFlight == 2)
        load.roundFinished(tokens: 1)
        #expect(load.tryRoundStarted(limit: 2))
        #expect(load.tryRoundStarted(limit: nil))
    }
}
