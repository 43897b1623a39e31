import Logging
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemServer
import TandemTokenizer

/// `tandem bench preempt`: latency with and without early-exit preemptive drafting, over a real socket
/// through the link emulator, for the bundled (or given) draft/target pair.
///
/// One in-process verifier on 127.0.0.1:0; per RTT one `LinkEmulator` in front of it; per window policy
/// two clients (without and with preemption) that take turns prompt by prompt, so machine load drifts
/// hit both alike. Greedy, so both must produce the same tokens (checked per prompt).
public struct PreemptBenchmark: Sendable {
    public struct Configuration: Sendable {
        public var draftPath: String
        public var targetPath: String
        public var prompts: [String]
        public var rttsMs: [Double]
        public var policies: [String]
        public var maxTokens: Int
        /// Compute threads of each model (client draft and server target share this machine).
        public var threads: Int
        /// Early-exit layer of the target (nil: its trained head, else the middle).
        public var exitLayer: Int?
        /// A trained exit-head side file for the target (`Model(path:threads:exitHead:)`).
        public var exitHeadPath: String?
        /// CPUs the draft's compute (the client) and the target's (the verifier) are pinned to; nil: not
        /// pinned (the two-device set-up of `tandem bench assist --pin`).
        public var clientCPUs: [Int]?
        public var serverCPUs: [Int]?

        public init(
            draftPath: String, targetPath: String, prompts: [String], rttsMs: [Double] = [10, 25, 50, 100],
            policies: [String] = ["adaptive", "adaptive-profile", "4"], maxTokens: Int = 48, threads: Int = 1,
            exitLayer: Int? = nil, exitHeadPath: String? = nil, clientCPUs: [Int]? = nil, serverCPUs: [Int]? = nil
        ) {
            self.exitHeadPath = exitHeadPath
            self.clientCPUs = clientCPUs
            self.serverCPUs = serverCPUs
            self.draftPath = draftPath
            self.targetPath = targetPath
            self.prompts = prompts
            self.rttsMs = rttsMs
            self.policies = policies
            self.maxTokens = maxTokens
            self.threads = threads
            self.exitLayer = exitLayer
        }
    }

    /// What one run found.
    public struct Results: Sendable, Codable {
        public var rows: [PreemptRow]
        public var profile: PreemptProfile
        public var exitLayer: Int
        public var layers: Int
        /// Server-side milliseconds from pass start to the provisional, and of the whole pass, averaged
        /// over all preemptive rounds of the run.
        public var serverProvisionalMs: Double
        public var serverPassMs: Double

        enum CodingKeys: String, CodingKey {
            case rows, profile, layers
            case exitLayer = "exit_layer"
            case serverProvisionalMs = "server_provisional_ms"
            case serverPassMs = "server_pass_ms"
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the grid; `progress` gets (cell done, cells, label).
    public func run(progress: @escaping @Sendable (Int, Int, String) -> Void = { _, _, _ in }) async throws -> Results {
        let c = configuration
        let target = try Model(path: c.targetPath, threads: c.threads, exitHead: c.exitHeadPath)
        let draft = try Model(path: c.draftPath, threads: c.threads)
        if let cpus = c.serverCPUs { try target.pool.pin(to: cpus) }
        if let cpus = c.clientCPUs { try draft.pool.pin(to: cpus) }
        let targetTokenizer = try Tokenizer(gguf: target.file)
        let tokenizer = try Tokenizer(gguf: draft.file)
        let exitLayer = c.exitLayer ?? target.defaultEarlyExitLayer
        let id = String(c.targetPath.split(separator: "/").last ?? "target")
        let targetModel = try TargetModel(model: target, id: id, tokenizer: targetTokenizer, exitLayer: exitLayer)
        let profile = PreemptProfile(Self.cloud, exitFraction: Double(exitLayer) / Double(target.config.layerCount))

        var logger = Logger(label: "tandem.bench.preempt")
        logger.logLevel = .critical
        let server = try await VerifierServer(model: targetModel, host: "127.0.0.1", port: 0, logger: logger).start()
        let requests = c.prompts.map {
            SessionRequest(prompt: tokenizer.encode($0, parseSpecial: true), maxTokens: c.maxTokens)
        }
        let probe = ServerTimingProbe()
        var rows: [PreemptRow] = []
        let cells = c.rttsMs.count * c.policies.count
        var done = 0
        do {
            // Warm-up (untimed): page in both models and the code paths, so the first cell's first client
            // does not pay for it and teach its window policy a cold draft time.
            for preemptive in [false, true] {
                let warm = AssistedClient(
                    draft: draft, draftName: "draft", tokenizer: tokenizer, server: server.assistURL,
                    policy: FixedWindow(4), timeout: .seconds(60), preemptive: preemptive)
                for request in requests.prefix(2) { _ = try await warm.run(request) }
            }
            for rtt in c.rttsMs {
                let link = LinkEmulator(
                    listen: try LinkEndpoint(host: "127.0.0.1", port: 0),
                    to: try LinkEndpoint(host: "127.0.0.1", port: server.port),
                    profile: try LinkProfile(rtt: .microseconds(Int64(rtt * 1000))))
                let port = try await link.start()
                do {
                    for policyName in c.policies {
                        progress(
                            done, cells,
                            "RTT \(NumberFormat.trimmed(rtt, maxFractionDigits: 1)) ms, window \(policyName)")
                        let clients = try [false, true].map { preemptive in
                            AssistedClient(
                                draft: draft, draftName: "draft", tokenizer: tokenizer,
                                server: "ws://127.0.0.1:\(port)",
                                policy: try Self.policy(policyName, profile: profile, rtt: rtt / 1000),
                                timeout: .seconds(60),
                                preemptive: preemptive)
                        }
                        var results: [[GenerationResult]] = [[], []]
                        for request in requests {
                            for (i, client) in clients.enumerated() {
                                let generator = client
                                var final: GenerationResult?
                                for try await event in generator.generate(request) {
                                    if case .finished(let result, _) = event { final = result }
                                }
                                guard let final else { throw CancellationError() }
                                results[i].append(final)
                            }
                        }
                        let same = zip(results[0], results[1]).allSatisfy { $0.tokens == $1.tokens }
                        for (i, preemptive) in [false, true].enumerated() {
                            let counters = results[i].reduce(GenerationCounters()) { $0.merged(with: $1.counters) }
                            rows.append(
                                PreemptRow(
                                    rttMs: rtt, policy: policyName, preemptive: preemptive, prompts: requests.count,
                                    counters: counters, profile: profile, sameOutput: same))
                        }
                        done += 1
                    }
                } catch {
                    await link.stop()
                    throw error
                }
                await link.stop()
            }
            // The mid-pass timing, without a link in the way: one preemptive generation's verdicts.
            try await probe.measure(server: server.assistURL, draft: draft, tokenizer: tokenizer, requests: requests)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        progress(cells, cells, "done")
        let timing = probe.means
        return Results(
            rows: rows, profile: profile, exitLayer: exitLayer, layers: target.config.layerCount,
            serverProvisionalMs: timing.provisionalMs, serverPassMs: timing.passMs)
    }

    /// The hardware the modelled column prices: the same as `tandem bench assist --cloud-profile`'s.
    static let cloud = CloudProfile.a100Jetson

    static func policy(_ name: String, profile: PreemptProfile, rtt: Double) throws -> any WindowPolicy {
        switch name {
        // The product's adaptive window (`tandem generate --window adaptive`): the cost model bounds the
        // round, the drafter stops where it is unsure (pre-drafted windows too).
        case "adaptive": return ConfidenceStoppingWindow(costModel: CostModelWindow(minWindow: 1, maxWindow: 16))
        case "adaptive-profile":
            return ProfiledWindowPolicy(profile: Self.cloud, maxWindow: 16, stopsOnConfidence: true)
        case "doubling": return DoublingWindow(initial: 2, minWindow: 1, maxWindow: 16)
        default:
            guard let k = Int(name), (1...16).contains(k) else { throw PreemptBenchmarkError.badPolicy(name) }
            return FixedWindow(k)
        }
    }
}

/// A bad benchmark setting.
public enum PreemptBenchmarkError: Error, CustomStringConvertible {
    case badPolicy(String)

    public var description: String {
        switch self {
        case .badPolicy(let name): "window policy '\(name)': expected 1…16, doubling, adaptive or adaptive-profile"
        }
    }
}
