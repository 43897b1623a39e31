import Foundation
import TandemModel
import TandemSampling

/// Measures the engine on one model file: prefill and decode speed, the cost of a k-position
/// (verification) pass relative to a single-position pass, and peak memory.
struct EngineBenchmark {
    struct Result: Codable, Sendable {
        var model: String
        var threads: Int
        var prefillTokens: Int
        var prefillTokS: Double
        var decodeTokS: Double
        /// Median time of a k-position pass divided by the median time of a 1-position pass.
        var passRatio: [String: Double]
        /// Median milliseconds of a k-position pass.
        var passMs: [String: Double]
        var peakRssMb: Double
        var fileMb: Double

        enum CodingKeys: String, CodingKey {
            case model, threads
            case prefillTokens = "prefill_tokens", prefillTokS = "prefill_tok_s", decodeTokS = "decode_tok_s"
            case passRatio = "pass_ratio", passMs = "pass_ms", peakRssMb = "peak_rss_mb", fileMb = "file_mb"
        }
    }

    var path: String
    var threads: Int
    var prefillTokens = 64
    var decodeTokens = 64
    var repetitions = 5
    var windows = [1, 2, 4, 8, 16]

    func run() throws -> Result {
        let printer = ProgressPrinter(label: "loading \((path as NSString).lastPathComponent)")
        let model = try Model(path: path, threads: threads) { printer.update($0) }
        printer.finish()
        let vocabulary = model.config.vocabularySize
        var random = SamplerRNG(seed: 7)
        let prompt = (0..<prefillTokens).map { _ in Int(random.next() % UInt64(vocabulary)) }
        let session = model.makeSession()

        // Warm-up pass so page faults and first-touch allocations are not measured.
        _ = try session.append(Array(prompt.prefix(8)), logits: .last)
        session.reset()

        var prefillTimes: [Double] = []
        for _ in 0..<repetitions {
            session.reset()
            prefillTimes.append(try time { _ = try session.append(prompt, logits: .last) })
        }
        let prefill = Double(prefillTokens) / median(prefillTimes)

        // Decode: one position per pass, feeding back a fixed token stream (the speed does not depend
        // on which ids are fed).
        var decodeTimes: [Double] = []
        for _ in 0..<max(1, repetitions / 2) {
            session.reset()
            _ = try session.append(prompt, logits: .last)
            decodeTimes.append(try time {
                for i in 0..<decodeTokens { _ = try session.append([prompt[i % prompt.count]], logits: .last) }
            })
        }
        let decode = Double(decodeTokens) / median(decodeTimes)

        // Verification passes: k positions after a 64-token context, logits for every position.
        session.reset()
        _ = try session.append(prompt, logits: .last)
        var passMs: [String: Double] = [:]
        for k in windows {
            var samples: [Double] = []
            for _ in 0..<(repetitions * 3) {
                let window = Array(prompt.prefix(k))
                samples.append(try time { _ = try session.append(window, logits: .all) })
                try session.truncate(to: prompt.count)
            }
            passMs[String(k)] = median(samples) * 1000
        }
        let base = passMs["1"] ?? 1
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return Result(
            model: (path as NSString).lastPathComponent, threads: threads, prefillTokens: prefillTokens,
            prefillTokS: prefill, decodeTokS: decode,
            passRatio: passMs.mapValues { $0 / base }, passMs: passMs,
            peakRssMb: ProcessMemory.peakResidentMegabytes(), fileMb: Double(fileBytes) / 1_048_576)
    }

    private func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }
}

/// Reads the process's memory high-water mark from /proc (Linux).
enum ProcessMemory {
    static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
            return kb / 1024
        }
        return .nan
    }
}
