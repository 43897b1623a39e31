import Foundation
import Logging
import Synchronization
import TandemClient
import TandemDecoding
import TandemServer
import TandemUtilities
import TandemWire

/// Hostile input against a live verifier on loopback: one connection sends `inputs` frames — mutated ones
/// from `WireFuzzInputs` and wrong-order sequences (a round before `open`, replayed rounds, a second
/// `open`, huge windows, `generate` and `extend` out of turn, bases far off) — while a well-behaved client
/// keeps generating greedily beside it and must get exactly the target's own greedy tokens every time.
///
/// Every hostile frame must get its answer (an `error`, or a reply the message earns) within the ceiling;
/// no answer is a hang and counts as a failure. Server RSS (this process: the server and both clients)
/// is sampled before, during and after.
public struct ServerFuzzCampaign: Sendable {
    public var target: TargetModel
    /// Makes the well-behaved client's drafter (a fresh one per generation).
    public var makeDrafter: @Sendable () throws -> any Drafter
    /// What the well-behaved client generates, in turn.
    public var requests: [SessionRequest]
    public var limits: ServerLimits
    public var seed: UInt64
    public var start: Int
    public var inputs: Int
    public var ceilingSeconds: Double
    public var progress: FuzzProgress

    public init(
        target: TargetModel, makeDrafter: @escaping @Sendable () throws -> any Drafter, requests: [SessionRequest],
        limits: ServerLimits = ServerLimits(), seed: UInt64, start: Int = 0, inputs: Int, ceilingSeconds: Double = 10,
        progress: FuzzProgress = .init(path: nil)
    ) {
        self.target = target
        self.makeDrafter = makeDrafter
        self.requests = requests
        self.limits = limits
        self.seed = seed
        self.start = max(0, start)
        self.inputs = max(0, inputs)
        self.ceilingSeconds = ceilingSeconds
        self.progress = progress
    }

    /// The well-behaved client's tally.
    private struct Tally {
        var runs = 0
        var mismatches = 0
        var errors: [String] = []
    }

    public func run() async throws -> FuzzReport {
        // The target's own greedy output for each request, computed in process without the server.
        var reference: [[Int]] = []
        for request in requests {
            let verifier = InProcessVerifier(
                session: try target.makeSession(), queue: target.queue, maxWindow: 16, shaper: target.shaper)
            reference.append(try await TargetOnlyGenerator(verifier: verifier).run(request).tokens)
            await verifier.close()
        }

        var logger = Logger(label: "tandem.bench.fuzz")
        logger.logLevel = .critical
        let verifier = VerifierServer(model: target, limits: limits, host: "127.0.0.1", port: 0, logger: logger)
        let server = try await verifier.start()
        var report = FuzzReport(target: "server", seed: seed, start: start, ceilingSeconds: ceilingSeconds)
        do {
            try await campaign(server: server, reference: reference, logger: logger, report: &report)
            // Every connection has ended: no session may still hold a slot (each is released as its
            // connection's task winds down, so give that a moment).
            var open = verifier.currentLoad.activeSessions
            for _ in 0..<50 where open > 0 {
                try await Task.sleep(for: .milliseconds(100))
                open = verifier.currentLoad.activeSessions
            }
            report.extra["sessions_open_after"] = Double(open)
            if open > 0 { report.fail("\(open) sessions still hold a slot after every connection ended") }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        return report
    }

    private func wellBehavedRun(server: RunningServer, index: Int) async throws -> [Int] {
        let verifier = RemoteVerifier(
            .init(
                url: server.assistURL, draftFingerprint: target.fingerprint, draftModel: "fuzz-well-behaved",
                timeout: .seconds(60)))
        let client = AssistedClient(drafter: try makeDrafter(), verifier: verifier, policy: FixedWindow(4))
        return try await client.run(requests[index % requests.count]).result.tokens
    }

    private func campaign(
        server: RunningServer, reference: [[Int]], logger: Logger, report: inout FuzzReport
    ) async throws {
        // Warm-up: one good generation before RSS is read, so "before" includes the code paths and caches.
        let warm = try await wellBehavedRun(server: server, index: 0)
        if warm != reference[0] { report.fail("well-behaved warm-up differs from the target's greedy output") }
        let rssBefore = residentBytes() ?? 0
        var rssPeak = rssBefore

        let stop = Atomic<Bool>(false)
        let tally = Mutex(Tally())
        let wellBehaved = Task {
            var i = 0
            while !stop.load(ordering: .relaxed) {
                do {
                    let tokens = try await wellBehavedRun(server: server, index: i)
                    let same = tokens == reference[i % reference.count]
                    tally.withLock {
                        $0.runs += 1
                        if !same { $0.mismatches += 1 }
                    }
                } catch {
                    tally.withLock { $0.errors.append("\(error)") }
                }
                i += 1
            }
        }

        let generator = WireFuzzInputs(
            seed: seed, vocabularySize: target.vocabularySize, maxBytes: limits.maxFrameBytes - 1,
            fingerprint: target.fingerprint)
        var hostile = HostileConnection(
            server: server, fingerprint: target.fingerprint, vocabularySize: target.vocabularySize,
            timeout: .milliseconds(Int64(ceilingSeconds * 1000)), logger: logger)
        let loop = FuzzLoop(target: "server", seed: seed, start: start, inputs: inputs, batch: 500, progress: progress)
        await loop.run(into: &report) { end, report in
            let rss = residentBytes() ?? 0
            rssPeak = max(rssPeak, rss)
            report.extra[String(format: "rss_mb_at_%06d", end)] = Double(rss) / 1_048_576
        } step: { i in
            var rng = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: i) &* 0xA24B_AED4_963E_E407))
            let (label, outcome) = await hostile.step(i, generator: generator, rng: &rng)
            switch outcome {
            case .accepted: return (label, .accepted)
            case .refused: return (label, .refused)
            case .failed(let why): return (label, .failed(why))
            }
        }
        await hostile.close()

        // Let the well-behaved client finish the generation it is in, then read its tally.
        stop.store(true, ordering: .relaxed)
        await wellBehaved.value
        let final = tally.withLock { $0 }
        for error in final.errors { report.fail("well-behaved client: \(error)") }
        if final.mismatches > 0 {
            report.fail("well-behaved client: \(final.mismatches) outputs differ from the target's")
        }
        let rssAfter = residentBytes() ?? 0
        let figures: [String: Double] = [
            "well_behaved_runs": Double(final.runs), "well_behaved_mismatches": Double(final.mismatches),
            "well_behaved_errors": Double(final.errors.count),
            "rss_before_mb": Double(rssBefore) / 1_048_576, "rss_peak_mb": Double(max(rssPeak, rssAfter)) / 1_048_576,
            "rss_after_mb": Double(rssAfter) / 1_048_576,
            "connections": Double(hostile.connections), "closed_by_server": Double(hostile.closedByServer),
        ]
        report.extra.merge(figures) { $1 }
    }
}
