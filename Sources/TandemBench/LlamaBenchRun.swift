import Foundation

/// llama.cpp's figures for one file at one thread count, measured by its own `llama-bench` in the
/// same way as ``EngineBenchmark``: prefill `-p 512`, decode `-n 64` (from an empty cache), and
/// k-position passes `-p k -d 512` (logits for the last position only, KV cache at llama-bench's
/// default type).
public struct LlamaBenchFigures: Codable, Sendable, Equatable {
    public var threads: Int
    public var prefillTokS: Double
    public var decodeTokS: Double
    public var passMs: [String: Double]
    public var passRatio: [String: Double]
    /// The largest peak resident set among the llama-bench processes for this file (all thread counts).
    public var peakRssMb: Double?

    public init(
        threads: Int, prefillTokS: Double, decodeTokS: Double, passMs: [String: Double],
        passRatio: [String: Double], peakRssMb: Double? = nil
    ) {
        self.threads = threads
        self.prefillTokS = prefillTokS
        self.decodeTokS = decodeTokS
        self.passMs = passMs
        self.passRatio = passRatio
        self.peakRssMb = peakRssMb
    }

    enum CodingKeys: String, CodingKey {
        case threads
        case prefillTokS = "prefill_tok_s"
        case decodeTokS = "decode_tok_s"
        case passMs = "pass_ms"
        case passRatio = "pass_ratio"
        case peakRssMb = "peak_rss_mb"
    }
}

/// One test line of `llama-bench -o jsonl` (only the fields Tandem reads).
public struct LlamaBenchRow: Codable, Sendable, Equatable {
    public var nPrompt: Int
    public var nGen: Int
    public var nDepth: Int
    public var nThreads: Int
    /// Mean nanoseconds of one repetition (the whole test: `n_prompt` in one pass, or `n_gen` passes).
    public var avgNs: Double
    public var samplesNs: [Double]

    public init(nPrompt: Int, nGen: Int, nDepth: Int, nThreads: Int, avgNs: Double, samplesNs: [Double]) {
        self.nPrompt = nPrompt
        self.nGen = nGen
        self.nDepth = nDepth
        self.nThreads = nThreads
        self.avgNs = avgNs
        self.samplesNs = samplesNs
    }

    enum CodingKeys: String, CodingKey {
        case nPrompt = "n_prompt"
        case nGen = "n_gen"
        case nDepth = "n_depth"
        case nThreads = "n_threads"
        case avgNs = "avg_ns"
        case samplesNs = "samples_ns"
    }

    /// The median repetition in seconds (the mean when no samples were printed).
    public var medianSeconds: Double {
        let sorted = samplesNs.sorted()
        return (sorted.isEmpty ? avgNs : sorted[sorted.count / 2]) / 1e9
    }
}

/// What went wrong running or reading `llama-bench`.
public enum LlamaBenchError: Error, Equatable, CustomStringConvertible {
    case unreadableLine(number: Int, text: String)
    case missingTest(String)
    case failed(command: String, status: Int32)

    public var description: String {
        switch self {
        case .unreadableLine(let number, let text):
            "llama-bench output line \(number) is not a test result: \(text.prefix(120))"
        case .missingTest(let test): "llama-bench printed no result for \(test)"
        case .failed(let command, let status): "\(command) exited with status \(status)"
        }
    }
}

/// Runs llama.cpp's `llama-bench` on one file and turns its JSON lines into ``LlamaBenchFigures``.
public struct LlamaBenchRun: Sendable {
    public var executable: String
    public var model: String
    public var prefillTokens = 512
    public var decodeTokens = 64
    public var passDepth = 512
    public var repetitions = 3
    public var windows = [1, 2, 4, 8, 16]

    public init(executable: String, model: String) {
        self.executable = executable
        self.model = model
    }

    /// The two invocations for a thread count: prefill + decode from an empty cache, then the
    /// k-position passes at depth `passDepth` (llama-bench restores the depth's cached state between
    /// repetitions, so only the k-position pass is timed).
    public func arguments(threads: Int) -> [[String]] {
        let common = ["-m", model, "-t", String(threads), "-r", String(repetitions), "-o", "jsonl"]
        return [
            common + ["-p", String(prefillTokens), "-n", String(decodeTokens)],
            common + ["-p", windows.map(String.init).joined(separator: ","), "-n", "0", "-d", String(passDepth)],
        ]
    }

    /// Runs both invocations for each thread count, in the order given.
    public func run(threads: [Int]) throws -> [LlamaBenchFigures] {
        var figures: [LlamaBenchFigures] = []
        for count in threads {
            var rows: [LlamaBenchRow] = []
            for arguments in self.arguments(threads: count) {
                rows += try Self.parse(jsonl: try ChildProcess.output(executable, arguments))
            }
            figures.append(try figuresFrom(rows, threads: count))
        }
        let peak = ProcessMemory.childrenPeakResidentMegabytes()
        return figures.map {
            var f = $0
            f.peakRssMb = peak.isNaN ? nil : peak
            return f
        }
    }

    /// Reads `llama-bench -o jsonl`: one JSON object per non-empty line.
    public static func parse(jsonl: String) throws -> [LlamaBenchRow] {
        var rows: [LlamaBenchRow] = []
        for (index, line) in jsonl.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            do {
                rows.append(try JSONDecoder().decode(LlamaBenchRow.self, from: Data(text.utf8)))
            } catch {
                throw LlamaBenchError.unreadableLine(number: index + 1, text: text)
            }
        }
        return rows
    }

    /// Picks this run's tests out of `rows` (for `threads`) and computes the figures.
    public func figuresFrom(_ rows: [LlamaBenchRow], threads: Int) throws -> LlamaBenchFigures {
        let mine = rows.filter { $0.nThreads == threads }
        func find(prompt: Int, gen: Int, depth: Int, _ name: String) throws -> LlamaBenchRow {
            guard let row = mine.first(where: { $0.nPrompt == prompt && $0.nGen == gen && $0.nDepth == depth })
            else { throw LlamaBenchError.missingTest("\(name), \(threads) threads") }
            return row
        }
        let prefill = try find(prompt: prefillTokens, gen: 0, depth: 0, "pp\(prefillTokens)")
        let decode = try find(prompt: 0, gen: decodeTokens, depth: 0, "tg\(decodeTokens)")
        var passMs: [String: Double] = [:]
        for k in windows {
            passMs[String(k)] =
                try find(prompt: k, gen: 0, depth: passDepth, "pp\(k) @ d\(passDepth)").medianSeconds * 1000
        }
        return LlamaBenchFigures(
            threads: threads,
            prefillTokS: Double(prefillTokens) / prefill.medianSeconds,
            decodeTokS: Double(decodeTokens) / decode.medianSeconds,
            passMs: passMs, passRatio: EngineBenchmark.ratios(passMs))
    }
}

/// Runs a child process to completion and returns its standard output; its standard error passes
/// through to ours.
enum ChildProcess {
    static func output(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LlamaBenchError.failed(
                command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
