import Foundation
import TandemModel
import TandemSampling

/// Measures the engine on one model file at one thread count: prefill and decode speed, the cost of
/// a k-position pass relative to a one-position pass on a realistic KV cache, and peak memory.
///
/// The measurements mirror `llama-bench`'s (see ``LlamaBenchRun``): prefill is one pass over
/// `prefillTokens` random ids (`-p 512`); decode is `decodeTokens` one-position passes from an empty
/// cache (`-n 64`); a k-pass is one k-position pass after a `passDepth`-token context (`-p k -d 512`),
/// rolled back after each sample. Medians of `repetitions` runs (k-passes: 3× as many).
public struct EngineBenchmark: Sendable {
    /// One file at one thread count.
    public struct Result: Codable, Sendable, Equatable {
        public var model: String
        public var threads: Int
        public var prefillTokens: Int
        public var prefillTokS: Double
        public var decodeTokS: Double
        /// Context before each k-position pass.
        public var passDepth: Int
        /// Median time of a k-position pass divided by that of a 1-position pass, with logits for the
        /// last position only (what `llama-bench -p k` computes).
        public var passRatio: [String: Double]
        /// Median milliseconds of a k-position pass, logits for the last position only.
        public var passMs: [String: Double]
        /// The same ratio with logits for every position (what a verification pass needs).
        public var passRatioAllLogits: [String: Double]
        /// Median milliseconds of a k-position pass with logits for every position.
        public var passMsAllLogits: [String: Double]
        /// The process's memory high-water mark when the measurement ended.
        public var peakRssMb: Double
        public var fileMb: Double

        public init(
            model: String, threads: Int, prefillTokens: Int, prefillTokS: Double, decodeTokS: Double,
            passDepth: Int, passRatio: [String: Double], passMs: [String: Double],
            passRatioAllLogits: [String: Double], passMsAllLogits: [String: Double],
            peakRssMb: Double, fileMb: Double
        ) {
            self.model = model
            self.threads = threads
            self.prefillTokens = prefillTokens
            self.prefillTokS = prefillTokS
            self.decodeTokS = decodeTokS
            self.passDepth = passDepth
            self.passRatio = passRatio
            self.passMs = passMs
            self.passRatioAllLogits = passRatioAllLogits
            self.passMsAllLogits = passMsAllLogits
            self.peakRssMb = peakRssMb
            self.fileMb = fileMb
        }

        enum CodingKeys: String, CodingKey {
            case model, threads
            case prefillTokens = "prefill_tokens"
            case prefillTokS = "prefill_tok_s"
            case decodeTokS = "decode_tok_s"
            case passDepth = "pass_depth"
            case passRatio = "pass_ratio"
            case passMs = "pass_ms"
            case passRatioAllLogits = "pass_ratio_all_logits"
            case passMsAllLogits = "pass_ms_all_logits"
            case peakRssMb = "peak_rss_mb"
            case fileMb = "file_mb"
        }
    }

    public var path: String
    public var threads: Int
    public var prefillTokens = 512
    public var decodeTokens = 64
    public var passDepth = 512
    public var repetitions = 3
    public var windows = [1, 2, 4, 8, 16]

    public init(path: String, threads: Int) {
        self.path = path
        self.threads = threads
    }

    /// Runs every measurement; `progress` sees the model load's fraction done.
    public func run(progress: ((Double) -> Void)? = nil) throws -> Result {
        let model = try Model(path: path, threads: threads, progress: progress)
        let vocabulary = model.config.vocabularySize
        var random = SamplerRNG(seed: 7)
        let length = max(prefillTokens, passDepth, decodeTokens, windows.max() ?? 1)
        let prompt = (0..<length).map { _ in Int(random.next() % UInt64(vocabulary)) }
        let session = model.makeSession()

        // Warm-up pass so page faults and first-touch allocations are not measured.
        _ = try session.append(Array(prompt.prefix(8)), logits: .last)
        session.reset()

        var prefillTimes: [Double] = []
        for _ in 0..<repetitions {
            session.reset()
            let batch = Array(prompt.prefix(prefillTokens))
            prefillTimes.append(try Self.time { _ = try session.append(batch, logits: .last) })
        }
        let prefill = Double(prefillTokens) / Self.median(prefillTimes)

        // Decode: one position per pass from an empty cache (the speed does not depend on the ids).
        var decodeTimes: [Double] = []
        for _ in 0..<repetitions {
            session.reset()
            decodeTimes.append(
                try Self.time {
                    for i in 0..<decodeTokens { _ = try session.append([prompt[i]], logits: .last) }
                })
        }
        let decode = Double(decodeTokens) / Self.median(decodeTimes)

        // k-position passes after a passDepth-token context, rolled back after each sample.
        session.reset()
        _ = try session.append(Array(prompt.prefix(passDepth)), logits: .none)
        var passLast: [String: Double] = [:]
        var passAll: [String: Double] = [:]
        for k in windows {
            let window = Array(prompt.suffix(k))
            for (request, store) in [(LogitsRequest.last, 0), (LogitsRequest.all, 1)] {
                var samples: [Double] = []
                for _ in 0..<(repetitions * 3) {
                    samples.append(try Self.time { _ = try session.append(window, logits: request) })
                    try session.truncate(to: passDepth)
                }
                let ms = Self.median(samples) * 1000
                if store == 0 { passLast[String(k)] = ms } else { passAll[String(k)] = ms }
            }
        }
        return Result(
            model: (path as NSString).lastPathComponent, threads: threads, prefillTokens: prefillTokens,
            prefillTokS: prefill, decodeTokS: decode, passDepth: passDepth,
            passRatio: Self.ratios(passLast), passMs: passLast,
            passRatioAllLogits: Self.ratios(passAll), passMsAllLogits: passAll,
            peakRssMb: ProcessMemory.peakResidentMegabytes(), fileMb: ModelFileSize.megabytes(path))
    }

    /// Each value divided by the value for "1" (empty when there is none).
    static func ratios(_ ms: [String: Double]) -> [String: Double] {
        guard let base = ms["1"], base > 0 else { return [:] }
        return ms.mapValues { $0 / base }
    }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }
}

/// The size of a model file, through any symbolic links (a linked file reports its target's size,
/// not the link's few bytes).
public enum ModelFileSize {
    public static func megabytes(_ path: String) -> Double {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let bytes = (try? FileManager.default.attributesOfItem(atPath: resolved)[.size] as? Int) ?? 0
        return Double(bytes) / 1_048_576
    }
}

/// Memory high-water marks from the kernel (Linux; NaN elsewhere).
public enum ProcessMemory {
    /// This process's peak resident set (VmHWM), in MB.
    public static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
            return kb / 1024
        }
        return .nan
    }

    /// The largest peak resident set among the child processes this process has waited for, in MB.
    public static func childrenPeakResidentMegabytes() -> Double {
        var usage = rusage()
        #if os(Linux)
            guard getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage) == 0 else { return .nan }
            return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
        #else
            guard getrusage(RUSAGE_CHILDREN, &usage) == 0 else { return .nan }
            return Double(usage.ru_maxrss) / 1_048_576  // bytes on macOS
        #endif
    }
}
