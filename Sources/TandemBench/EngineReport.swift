import Foundation

/// Formats engine benchmark results, with llama.cpp's figures on the same files beside them.
public enum EngineReport {
    /// llama.cpp's figures for one file, as written by bench/llamacpp_engine.py.
    public struct Reference: Codable, Sendable {
        public var prefillTokS: Double
        public var decodeTokS: Double
        public var passRatio: [String: Double]
        public var peakRssMb: Double?
        enum CodingKeys: String, CodingKey {
            case prefillTokS = "prefill_tok_s", decodeTokS = "decode_tok_s", passRatio = "pass_ratio", peakRssMb =
                "peak_rss_mb"
        }
    }

    /// File name → llama.cpp's figures; empty when the file is missing or unreadable.
    public static func loadReference(_ path: String) -> [String: Reference] {
        guard let data = FileManager.default.contents(atPath: path),
            let decoded = try? JSONDecoder().decode([String: Reference].self, from: data)
        else { return [:] }
        return decoded
    }

    public static func table(_ results: [EngineBenchmark.Result], reference: [String: Reference]) -> String {
        var lines = [
            "| model | threads | prefill tok/s | decode tok/s | k=2 | k=4 | k=8 | k=16 | peak RSS MB | file MB |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results {
            let ref = reference[r.model]
            func compare(_ ours: Double, _ theirs: Double?) -> String {
                guard let theirs, theirs > 0 else { return String(format: "%.1f", ours) }
                return String(format: "%.1f (llama.cpp %.1f, ×%.2f)", ours, theirs, ours / theirs)
            }
            func ratio(_ k: String) -> String {
                let ours = r.passRatioAllLogits[k].map { String(format: "%.2f", $0) } ?? "–"
                guard let theirs = ref?.passRatio[k] else { return ours }
                return ours + String(format: " (%.2f)", theirs)
            }
            lines.append(
                "| \(r.model) | \(r.threads) | \(compare(r.prefillTokS, ref?.prefillTokS)) | "
                    + "\(compare(r.decodeTokS, ref?.decodeTokS)) | \(ratio("2")) | \(ratio("4")) | \(ratio("8")) | "
                    + "\(ratio("16")) | " + String(format: "%.0f", r.peakRssMb)
                    + (ref?.peakRssMb.map { String(format: " (%.0f)", $0) } ?? "") + " | "
                    + String(format: "%.0f", r.fileMb) + " |")
        }
        return lines.joined(separator: "\n")
    }

    public static func markdown(table: String, threads: Int, hasReference: Bool) -> String {
        """
        # Engine benchmark

        Reproduce: `swift build -c release && .build/release/tandem bench engine --threads \(threads)`
        (llama.cpp's column: `bench/llamacpp_engine.py`, same files, same thread count, run just before).

        Models: random weights in the shape of SmolLM2-135M (30 layers, 576 embd, 9 heads, 3 kv heads,
        1536 ff, 49152 vocab), written by Tandem's own GGUF writer. Prefill: one pass over 64 tokens.
        Decode: 64 single-token passes from an empty cache. k=N: the time of one N-position pass (logits
        for every position, after a 64-token context) divided by a 1-position pass; llama.cpp's ratio in
        brackets. Medians of repeated runs. Peak RSS: the process's high-water mark (VmHWM).
        \(hasReference ? "" : "\n(No llama.cpp figures were found: run bench/llamacpp_engine.py first.)\n")
        \(table)

        Measured on \(ProcessInfo.processInfo.processorCount) cores, \(Date().formatted(.iso8601)).
        """
    }
}
