import Foundation
import TandemClient
import TandemDecoding
import TandemLoopbackSupport
import TandemModel
import TandemModelAdapter
import TandemTestSupport
import TandemTokenizer
import TandemWire
import TandemWireConversions
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A coordinator and verifiers as real `tandem` processes on loopback, on ports the OS picked.
final class Cluster: @unchecked Sendable {
    static let secret = "test-secret"
    let coordinator: SpawnedTandem
    let url: String
    private(set) var verifiers: [SpawnedTandem] = []

    init(verifiers count: Int, heartbeatTimeout: Double = 1.5) throws {
        coordinator = try SpawnedTandem.start(
            ["coordinator", "--port", "0", "--heartbeat-timeout", "\(heartbeatTimeout)"],
            environment: ["TANDEM_SECRET": Self.secret])
        url = try #require(coordinator.httpAddress, "coordinator printed: \(coordinator.banner)")
        for _ in 0..<count { _ = try addVerifier() }
    }

    /// Starts one more verifier registering with the coordinator (with `secret`, by flag).
    @discardableResult
    func addVerifier(secret: String = Cluster.secret) throws -> SpawnedTandem {
        let verifier = try SpawnedTandem.start([
            "serve", "--model", Bundled.target, "--port", "0", "--threads", "1",
            "--register", url, "--secret", secret,
        ])
        _ = try #require(verifier.assistAddress, "serve printed: \(verifier.banner)")
        verifiers.append(verifier)
        return verifier
    }

    /// The coordinator's listing now.
    func listing(fingerprint: String? = nil) async throws -> VerifierListing {
        let query = fingerprint.map { "?tokenizer_fingerprint=\($0)" } ?? ""
        let (status, body) = try await httpGet(url + RegistryAPI.path + query)
        #expect(status == 200)
        return try JSONDecoder().decode(VerifierListing.self, from: Data(body.utf8))
    }

    /// Polls the listing until `condition` holds; returns whether it did within `timeout`.
    func waitFor(timeout: Duration = .seconds(30), _ condition: (VerifierListing) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(try await listing()) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Waits until every verifier that is running is listed.
    func waitUntilAllListed() async throws -> Bool {
        let running = Set(verifiers.filter(\.process.isRunning).compactMap(\.assistAddress))
        return try await waitFor { Set($0.verifiers.map(\.address)) == running }
    }

    func verifier(at address: String?) -> SpawnedTandem? {
        verifiers.first { $0.assistAddress != nil && $0.assistAddress == address }
    }
}

/// The draft in this process, a failover verifier over the coordinator's list, and a resilient client.
struct FailoverRig {
    let draft: Model
    let tokenizer: Tokenizer
    let gate: GatedDrafter
    let verifier: FailoverVerifier
    let client: ResilientClient

    init(cluster: Cluster, pauses: [Int], retryEveryTokens: Int = 4, retryInterval: Duration = .milliseconds(100))
        throws
    {
        draft = try Model(path: Bundled.draft, threads: 1)
        tokenizer = try Tokenizer(gguf: draft.file)
        gate = GatedDrafter(
            ModelDrafter(session: draft.makeSession(), shaper: SamplingDistribution.factory), pauses: pauses)
        let directory = VerifierDirectory(
            .coordinator(url: cluster.url, fingerprint: tokenizer.fingerprint, sha256: nil))
        verifier = FailoverVerifier(
            .init(
                directory: directory, draftFingerprint: tokenizer.fingerprint, draftModel: "draft.gguf",
                timeout: .seconds(20), logger: quietLogger()))
        client = ResilientClient(
            drafter: gate, verifier: verifier, policy: FixedWindow(4), tokenizer: tokenizer,
            configuration: .init(retryEveryTokens: retryEveryTokens, retryInterval: retryInterval))
    }

    /// Runs a generation in the background, collecting its events.
    func start(_ request: SessionRequest) -> Task<[ResilientClientEvent], any Error> {
        let client = self.client
        return Task {
            var events: [ResilientClientEvent] = []
            for try await event in client.generate(request) { events.append(event) }
            return events
        }
    }
}

/// The pieces of an event list.
struct EventSummary {
    var tokens: [Int] = []
    var sources: [TokenSource] = []
    var markers: [(TokenSource, Int)] = []
    var result: GenerationResult?

    init(_ events: [ResilientClientEvent]) {
        for event in events {
            switch event {
            case .token(let id, _, let source):
                tokens.append(id)
                sources.append(source)
            case .source(let source, _): markers.append((source, tokens.count))
            case .finished(let r, _): result = r
            }
        }
    }
}

@Suite("Coordination: real coordinator and verifier processes on loopback", .serialized, .timeLimit(.minutes(5)))
struct CoordinationTests {
    static let prompt = "Return the"

    @Test("a verifier killed mid-generation: the client fails over, output identical to an uninterrupted greedy run")
    func killOneMidGeneration() async throws {
        let cluster = try Cluster(verifiers: 2)
        #expect(try await cluster.waitUntilAllListed())
        let rig = try FailoverRig(cluster: cluster, pauses: [24])
        let prompt = rig.tokenizer.encode(Self.prompt)
        let target = try Model(path: Bundled.target, threads: 1)
        let expected = try await RealModels.targetGreedy(target, prompt: prompt, count: 120)

        let run = rig.start(SessionRequest(prompt: prompt, maxTokens: 120))
        #expect(try await rig.gate.waitUntilPaused())
        let first = try #require(await rig.verifier.currentAddress)
        let victim = try #require(cluster.verifier(at: first))
        victim.kill()
        rig.gate.resume()
        let summary = EventSummary(try await run.value)

        let result = try #require(summary.result)
        #expect(summary.tokens == result.tokens, "streamed tokens are the result's: none lost or repeated")
        #expect(result.tokens == expected)
        #expect(result.counters.failovers == 1)
        #expect(result.counters.localTokens == 0)
        #expect(summary.sources.allSatisfy { $0 == .verified })
        let history = await rig.verifier.history
        #expect(history.count == 2)
        #expect(history.first == first)
        #expect(history.last != first)
    }

    @Test(
        "all verifiers killed: the draft continues alone and the stream says so; a restarted verifier resumes assistance"
    )
    func killAllThenRestart() async throws {
        let cluster = try Cluster(verifiers: 2)
        #expect(try await cluster.waitUntilAllListed())
        // Pause at 12 tokens (kill everything), at 22 (start a verifier), and at 30, until a background
        // attempt (one every 4 local tokens: no back-off interval) has reached the new verifier.
        let rig = try FailoverRig(cluster: cluster, pauses: [12, 22, 30], retryInterval: .zero)
        let prompt = rig.tokenizer.encode(Self.prompt)
        let target = try Model(path: Bundled.target, threads: 1)

        let run = rig.start(SessionRequest(prompt: prompt, maxTokens: 100))
        #expect(try await rig.gate.waitUntilPaused())
        for verifier in cluster.verifiers { verifier.kill() }
        rig.gate.resume()
        #expect(try await rig.gate.waitUntilPaused(), "the draft went on alone to the second pause")
        let restarted = try cluster.addVerifier()
        #expect(
            try await cluster.waitFor { $0.verifiers.map(\.address) == [restarted.assistAddress].compactMap { $0 } },
            "the dead verifiers are dropped and the new one listed")
        rig.gate.resume()
        #expect(try await rig.gate.waitUntilPaused())
        let deadline = ContinuousClock.now + .seconds(60)
        while await rig.verifier.currentAddress != restarted.assistAddress, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(
            await rig.verifier.currentAddress == restarted.assistAddress,
            "a background attempt reached the new verifier")
        rig.gate.resume()
        let summary = EventSummary(try await run.value)
        let result = try #require(summary.result)

        #expect(summary.tokens == result.tokens)
        #expect(result.tokens.count == 100)
        #expect(summary.markers.map(\.0) == [.verified, .local, .verified], "\(summary.markers)")
        try #require(summary.markers.count == 3)
        let localFrom = summary.markers[1].1
        let resumedAt = summary.markers[2].1
        #expect(localFrom >= 12)
        #expect(resumedAt >= 30)
        #expect(result.counters.localTokens == resumedAt - localFrom)
        #expect(result.counters.localTokens >= 5)
        #expect(summary.sources[localFrom..<resumedAt].allSatisfy { $0 == .local })
        #expect(summary.sources[resumedAt...].allSatisfy { $0 == .verified })
        #expect(result.counters.failovers >= 1)
        #expect(await rig.verifier.history.last == restarted.assistAddress)

        // Before the loss and after the return the tokens are the target's greedy continuation of the
        // sequence so far (local tokens included: the generation was not restarted).
        let before = try await RealModels.targetGreedy(target, prompt: prompt, count: localFrom)
        #expect(Array(result.tokens[..<localFrom]) == before)
        let sequence = prompt + result.tokens[..<resumedAt]
        let after = try await RealModels.targetGreedy(target, prompt: Array(sequence), count: 100 - resumedAt)
        #expect(Array(result.tokens[resumedAt...]) == after, "assisted rounds resumed after the restart")
    }

    @Test("the least-loaded verifier is chosen")
    func leastLoaded() async throws {
        let cluster = try Cluster(verifiers: 2)
        #expect(try await cluster.waitUntilAllListed())
        let rig = try FailoverRig(cluster: cluster, pauses: [])
        let initial = try await cluster.listing(fingerprint: rig.tokenizer.fingerprint)
        let busy = try #require(initial.verifiers.first?.address)
        // Hold a session on the verifier the coordinator would pick first.
        let holder = RemoteVerifier(
            .init(url: busy, draftFingerprint: rig.tokenizer.fingerprint, timeout: .seconds(20)))
        _ = try await holder.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 10))
        #expect(
            try await cluster.waitFor { listing in
                listing.verifiers.count == 2 && listing.verifiers.last?.address == busy
                    && listing.verifiers.last?.load.activeSessions == 1
            }, "the heartbeat reports the session and the busy verifier moves down")
        _ = try await rig.verifier.open(SessionRequest(prompt: [1, 2, 3], maxTokens: 10))
        let chosen = await rig.verifier.currentAddress
        #expect(chosen != nil)
        #expect(chosen != busy)
        await rig.verifier.close()
        await holder.close()
    }

    @Test("registration without the right secret is refused; the others stay listed; a stopped verifier leaves at once")
    func wrongSecretAndLeave() async throws {
        // A long timeout: the verifier that stops must disappear by leaving, not by missing heartbeats.
        let cluster = try Cluster(verifiers: 1, heartbeatTimeout: 120)
        #expect(try await cluster.waitUntilAllListed())
        let stranger = try cluster.addVerifier(secret: "guess")
        let deadline = ContinuousClock.now + .seconds(30)
        while !stranger.stderr.contains("registration refused"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(stranger.stderr.contains("(401)"), "\(stranger.stderr)")
        let listed = try await cluster.listing().verifiers.map(\.address)
        #expect(listed == [cluster.verifiers[0].assistAddress].compactMap { $0 })
        cluster.verifiers[0].stop()
        #expect(
            try await cluster.waitFor(timeout: .seconds(60)) { $0.verifiers.isEmpty }, "a graceful stop deregisters")
    }

    @Test("a stale verifier is dropped after the timeout and registers again when it comes back")
    func staleDropAndReturn() async throws {
        let cluster = try Cluster(verifiers: 2, heartbeatTimeout: 1.5)
        #expect(try await cluster.waitUntilAllListed())
        let frozen = cluster.verifiers[0]
        let other = cluster.verifiers[1]
        // SIGSTOP: alive but silent, like a verifier cut off from the coordinator.
        Glibc.kill(frozen.process.processIdentifier, SIGSTOP)
        #expect(
            try await cluster.waitFor { $0.verifiers.map(\.address) == [other.assistAddress].compactMap { $0 } },
            "dropped after missing heartbeats")
        Glibc.kill(frozen.process.processIdentifier, SIGCONT)
        #expect(try await cluster.waitUntilAllListed(), "it registered again")
        #expect(frozen.stderr.contains("registering again"), "\(frozen.stderr)")
    }

    @Test(
        "tandem generate --coordinator: target-identical output; with every verifier gone it finishes locally and says so"
    )
    func generateCommand() async throws {
        let cluster = try Cluster(verifiers: 2)
        #expect(try await cluster.waitUntilAllListed())
        let common = ["--prompt", Self.prompt, "--max-tokens", "40", "--ignore-eos"]
        let local = try await TandemCLI.run(["generate", "--model", Bundled.target, "--json"] + common)
        let assisted = try await TandemCLI.run(
            ["generate", "--draft", Bundled.draft, "--coordinator", cluster.url, "--json"] + common)
        #expect(local.status == 0, "\(local.stderr)")
        #expect(assisted.status == 0, "\(assisted.stderr)")
        let localJSON = try #require(JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [String: Any])
        let assistedJSON = try #require(
            JSONSerialization.jsonObject(with: Data(assisted.stdout.utf8)) as? [String: Any])
        #expect(assistedJSON["tokens"] as? [Int] == localJSON["tokens"] as? [Int])
        let stats = try #require(assistedJSON["stats"] as? [String: Any])
        #expect(stats["local_tokens"] as? Int == 0)
        #expect(stats["failovers"] as? Int == 0)
        #expect((stats["rounds"] as? Int ?? 0) > 0)

        for verifier in cluster.verifiers { verifier.kill() }
        let offline = try await TandemCLI.run(
            ["generate", "--draft", Bundled.draft, "--coordinator", cluster.url] + common)
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stderr.contains("[local:"), "\(offline.stderr)")
        #expect(offline.stderr.contains("local tokens        40"), "\(offline.stderr)")
        let offlineJSON = try await TandemCLI.run(
            ["generate", "--draft", Bundled.draft, "--coordinator", cluster.url, "--json"] + common)
        let json = try #require(JSONSerialization.jsonObject(with: Data(offlineJSON.stdout.utf8)) as? [String: Any])
        let offlineStats = try #require(json["stats"] as? [String: Any])
        #expect(offlineStats["local_tokens"] as? Int == 40)
        #expect(offlineStats["generated_tokens"] as? Int == 40)
        let segments = try #require(json["segments"] as? [[String: Any]])
        #expect(segments.count == 1)
        #expect(segments.first?["source"] as? String == "local")

        let badHash = try await TandemCLI.run(
            [
                "generate", "--draft", Bundled.draft, "--coordinator", cluster.url,
                "--require-sha256", "xyz",
            ] + common)
        #expect(badHash.status == 1)
        #expect(badHash.stderr.contains("--require-sha256"))
    }

    @Test("bad coordination options exit with status 1 and say what is wrong")
    func badOptions() async throws {
        let noSecret = try await TandemCLI.run(["coordinator", "--port", "0"])
        #expect(noSecret.status == 1)
        #expect(noSecret.stderr.contains("TANDEM_SECRET"), "\(noSecret.stderr)")
        let serveNoSecret = try await TandemCLI.run([
            "serve", "--model", Bundled.target, "--port", "0",
            "--register", "http://127.0.0.1:9",
        ])
        #expect(serveNoSecret.status == 1)
        #expect(serveNoSecret.stderr.contains("--secret"), "\(serveNoSecret.stderr)")
        let badRegister = try await TandemCLI.run([
            "serve", "--model", Bundled.target, "--port", "0", "--register", "ws://x:1",
            "--secret", "s",
        ])
        #expect(badRegister.status == 1)
        #expect(badRegister.stderr.contains("--register"), "\(badRegister.stderr)")
        let badList = try await TandemCLI.run([
            "generate", "--draft", Bundled.draft, "--server", "ws://127.0.0.1:9,nonsense",
            "--prompt", "x",
        ])
        #expect(badList.status == 1)
        #expect(badList.stderr.contains("--server"), "\(badList.stderr)")
        let badCoordinator = try await TandemCLI.run([
            "generate", "--draft", Bundled.draft, "--coordinator", "ftp://x", "--prompt", "x",
        ])
        #expect(badCoordinator.status == 1)
        #expect(badCoordinator.stderr.contains("--coordinator"), "\(badCoordinator.stderr)")
    }
}
