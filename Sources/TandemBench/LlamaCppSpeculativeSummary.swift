import Foundation

/// The figures of a llama.cpp speculative-decoding sweep (`bench/llamacpp_speculative.sh`'s JSON), as
/// reference lines for the assisted benchmark's tokens/s plot.
public struct LlamaCppSpeculativeSummary: Sendable, Hashable, Decodable {
    /// One `llama-speculative-simple` run.
    public struct Run: Sendable, Hashable, Decodable {
        public var nMax: Int
        public var pMin: Double
        public var tokensPerS: Double
        public var acceptance: Double?

        enum CodingKeys: String, CodingKey {
            case nMax = "n_max"
            case pMin = "p_min"
            case tokensPerS = "tokens_per_s"
            case acceptance
        }
    }

    /// llama.cpp's target alone.
    public struct TargetOnly: Sendable, Hashable, Decodable {
        public var tokensPerS: Double
        enum CodingKeys: String, CodingKey { case tokensPerS = "tokens_per_s" }
    }

    public var threads: Int
    public var targetOnly: TargetOnly
    public var best: Run

    enum CodingKeys: String, CodingKey {
        case threads
        case targetOnly = "target_only"
        case best
    }

    /// Reads the sweep's JSON file; a file of another shape is a typed error naming it.
    public static func load(path: String) throws(AssistBenchError) -> LlamaCppSpeculativeSummary {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .invalidOption("--llamacpp: cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(LlamaCppSpeculativeSummary.self, from: data)
        } catch {
            throw .invalidOption(
                "--llamacpp: \(path) is not a llama.cpp speculative summary (bench/llamacpp_speculative.sh): \(error)")
        }
    }

    /// The two reference lines: the best speculative run and the target alone, with their thread count.
    public var referenceLines: [SVGLineChart.ReferenceLine] {
        let threadsNote = "\(threads) thread\(threads == 1 ? "" : "s")"
        let pMin = NumberFormat.trimmed(best.pMin, maxFractionDigits: 2)
        return [
            .init(
                name: "llama.cpp speculative (n-max \(best.nMax), p-min \(pMin), \(threadsNote))", y: best.tokensPerS),
            .init(name: "llama.cpp target alone (\(threadsNote))", y: targetOnly.tokensPerS),
        ]
    }
}
