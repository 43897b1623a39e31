import Foundation
import Logging
import TandemClient
import TandemDecoding
import TandemKernels
import TandemModel
import TandemModelAdapter
import TandemSampling
import TandemServer
import TandemTokenizer
import TandemUtilities

/// Runs `tandem bench assist`: one verifier server on 127.0.0.1:0 for the whole run, one link
/// emulator per RTT between it and the client, and every cell of the grid through that emulator —
/// assisted cells with `AssistedGenerator` over a `RemoteVerifier`, cloud-only with
/// `CloudOnlyGenerator`, local-only with the draft alone.
///
/// The server's model runs with `serverThreads` compute threads; with one (the default), every pass
/// runs on the verifier's queue thread, so the per-pass CPU clock sees all of the server's work.
public struct AssistRunner: Sendable {
    /// What to run.
    public struct Configuration: Sendable {
        public var draftPath: String
        public var targetPath: String
        public var grid: AssistGrid
        public var sampling: SamplingParameters
        public var profile: CloudProfile?
        public var serverThreads: Int
        public var draftThreads: Int
        /// CPUs the draft's compute (the client) and the target's (the verifier) are pinned to; nil: not pinned.
        public var clientCPUs: [Int]?
        public var serverCPUs: [Int]?

        public init(
            draftPath: String, targetPath: String, grid: AssistGrid, sampling: SamplingParameters = .greedy,
            profile: CloudProfile? = nil, serverThreads: Int = 1, draftThreads: Int = 1,
            clientCPUs: [Int]? = nil, serverCPUs: [Int]? = nil
        ) {
            self.clientCPUs = clientCPUs
            self.serverCPUs = serverCPUs
            self.draftPath = draftPath
            self.targetPath = targetPath
            self.grid = grid
            self.sampling = sampling
            self.profile = profile
            self.serverThreads = serverThreads
            self.draftThreads = draftThreads
        }
    }

    /// Where the run is: cell `index` (1-based) of `total` is starting.
    public struct Progress: Sendable {
        public var index: Int
        public var total: Int
        public var policy: AssistPolicy
        public var rttMs: Double
        /// Seconds since the run started.
        public var elapsedSeconds: Double
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs every cell; `progress` hears of each cell before it starts.
    public func run(progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> AssistResult {
        let config = configuration
        try config.grid.validate()
        let clock = ContinuousClock()
        let started = clock.now
        let target = try Self.load(config.targetPath, threads: config.serverThreads)
        let draft = try Self.load(config.draftPath, threads: config.draftThreads)
        do {
            if let cpus = config.serverCPUs { try target.model.pool.pin(to: cpus) }
            if let cpus = config.clientCPUs { try draft.model.pool.pin(to: cpus) }
        } catch {
            throw AssistBenchError.setup("cannot pin the models to their CPUs: \(error)")
        }
        guard draft.tokenizer.fingerprint == target.tokenizer.fingerprint else {
            throw AssistBenchError.model(
                "\(config.draftPath) and \(config.targetPath) have different tokenizers; a draft must share its target's tokenizer"
            )
        }
        let tokenizer = draft.tokenizer
        let requests = config.grid.prompts.map {
            SessionRequest(
                prompt: tokenizer.encode($0, parseSpecial: true), sampling: config.sampling,
                maxTokens: config.grid.maxTokens,
                stopTokens: tokenizer.endOfGenerationIDs)
        }
        for (i, request) in requests.enumerated() where request.prompt.isEmpty {
            throw AssistBenchError.invalidOption("prompt \(i + 1) encodes to no tokens")
        }

        var logger = Logger(label: "tandem.bench.assist")
        // Stopping the server by cancellation is reported at error level by Hummingbird; real
        // failures reach the caller as thrown errors.
        logger.logLevel = .critical
        let name = (config.targetPath as NSString).lastPathComponent
        // Where the server's provisional verdicts leave the pass (its default early exit).
        let exitFraction = Double(target.model.defaultEarlyExitLayer) / Double(max(1, target.model.config.layerCount))
        let server = VerifierServer(
            model: TargetModel(model: target.model, id: name, tokenizer: target.tokenizer),
            host: "127.0.0.1", port: 0, logger: logger)
        let running: RunningServer
        do {
            running = try await server.start()
        } catch {
            throw AssistBenchError.setup("the verifier server did not start: \(error)")
        }
        let draftQueue = ComputeQueue(label: "tandem.bench.draft")
        var cells: [AssistCell] = []
        let total = config.grid.cells.count
        do {
            for rtt in config.grid.rttsMs {
                let link = try LinkEmulator(
                    listen: "127.0.0.1:0", to: "127.0.0.1:\(running.port)",
                    profile: LinkProfile(rtt: .nanoseconds(Int64((rtt * 1e6).rounded()))))
                let port: Int
                do {
                    port = try await link.start()
                } catch {
                    throw AssistBenchError.setup("the link emulator did not start: \(error)")
                }
                let url = "ws://127.0.0.1:\(port)"
                do {
                    for policy in config.grid.policies {
                        progress(
                            Progress(
                                index: cells.count + 1, total: total, policy: policy, rttMs: rtt,
                                elapsedSeconds: (clock.now - started).seconds))
                        let generator = Self.generator(
                            policy, url: url, draft: draft, queue: draftQueue, profile: config.profile)
                        var counters = GenerationCounters()
                        var outputs: [[Int]] = []
                        for request in requests {
                            let result = try await generator.run(request)
                            counters = counters.merged(with: result.counters)
                            outputs.append(result.tokens)
                        }
                        var cell = AssistCell(
                            policy: policy, rttMs: rtt, counters: counters,
                            promptTokens: requests.reduce(0) { $0 + $1.prompt.count }, outputs: outputs)
                        cell.exitFraction = exitFraction
                        cells.append(cell)
                    }
                } catch {
                    await link.stop()
                    throw error
                }
                await link.stop()
            }
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
        return AssistResult(
            cells: cells, profile: config.profile, greedy: config.sampling.isGreedy,
            wallSeconds: (clock.now - started).seconds)
    }

    /// The generator of one cell, fresh (a new draft session and a new window policy).
    static func generator(
        _ policy: AssistPolicy, url: String, draft: LoadedModel, queue: ComputeQueue,
        profile: CloudProfile?
    ) -> any TokenGenerator {
        let fingerprint = draft.tokenizer.fingerprint
        switch policy {
        case .cloudOnly:
            return CloudOnlyGenerator(url: url, fingerprint: fingerprint, clientModel: draft.name)
        case .localOnly:
            return DraftOnlyGenerator(drafter: ModelDrafter(session: draft.model.makeSession(), queue: queue))
        case .fixed, .doubling, .adaptive, .adaptivePreemptive, .proactive:
            let preemptive = policy.isPreemptive
            let verifier = RemoteVerifier(
                .init(
                    url: url, draftFingerprint: fingerprint, draftModel: draft.name,
                    preemptive: preemptive))
            let drafter = ModelDrafter(session: draft.model.makeSession(), queue: queue)
            return AssistedGenerator(
                drafter: drafter, verifier: verifier,
                policy: policy.windowPolicy(profile: profile) ?? FixedWindow(1), preemptive: preemptive,
                proactive: policy.isProactive)
        }
    }

    /// A model file with its tokenizer.
    struct LoadedModel: Sendable {
        var model: Model
        var tokenizer: Tokenizer
        var name: String
    }

    static func load(_ path: String, threads: Int) throws -> LoadedModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AssistBenchError.model(
                "no model at \(path); pass --draft FILE and --target FILE (GGUF), or run from the repository root for the bundled Models/*.gguf"
            )
        }
        let model: Model
        do {
            model = try Model(path: path, threads: max(1, threads))
        } catch {
            throw AssistBenchError.model("\(path) cannot be loaded: \(error)")
        }
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(gguf: model.file)
        } catch {
            throw AssistBenchError.model("\(path) has no usable tokenizer: \(error)")
        }
        return LoadedModel(model: model, tokenizer: tokenizer, name: (path as NSString).lastPathComponent)
    }
}
