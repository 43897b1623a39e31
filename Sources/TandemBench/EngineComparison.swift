import Foundation

/// Tandem's and llama.cpp's engine figures for one model file, measured in the same run at the same
/// thread counts (`tandem bench engine --model FILE`).
public struct EngineComparison: Codable, Sendable, Equatable {
    public var model: String
    public var fileMb: Double
    /// One result per thread count.
    public var tandem: [EngineBenchmark.Result]
    /// One result per thread count; empty when llama-bench was not run.
    public var llamaCpp: [LlamaBenchFigures]
    /// Why llama.cpp's figures are missing, when they are.
    public var llamaCppError: String?

    public init(
        model: String, fileMb: Double, tandem: [EngineBenchmark.Result], llamaCpp: [LlamaBenchFigures],
        llamaCppError: String? = nil
    ) {
        self.model = model
        self.fileMb = fileMb
        self.tandem = tandem
        self.llamaCpp = llamaCpp
        self.llamaCppError = llamaCppError
    }

    enum CodingKeys: String, CodingKey {
        case model
        case fileMb = "file_mb"
        case tandem
        case llamaCpp = "llama_cpp"
        case llamaCppError = "llama_cpp_error"
    }

    /// Side by side: one row per file and thread count. Speeds read `Tandem / llama.cpp (×ratio)`, the
    /// ratio being Tandem ÷ llama.cpp (above 1: Tandem is faster); k-pass costs are the k-position pass
    /// ÷ the 1-position pass for k = 2, 4, 8, 16.
    public static func table(_ files: [EngineComparison]) -> String {
        var table = MarkdownTable(
            headers: [
                "file", "threads", "decode tok/s", "prefill tok/s",
                "k-pass ÷ 1-pass, Tandem (last logits)", "Tandem (all logits)", "llama.cpp (last logits)",
                "peak RSS MB", "file MB",
            ],
            alignments: [.left, .right, .right, .right, .left, .left, .left, .right, .right])
        for file in files {
            for ours in file.tandem {
                let theirs = file.llamaCpp.first { $0.threads == ours.threads }
                table.addRow([
                    file.model, String(ours.threads),
                    sideBySide(ours.decodeTokS, theirs?.decodeTokS),
                    sideBySide(ours.prefillTokS, theirs?.prefillTokS),
                    ratios(ours.passRatio), ratios(ours.passRatioAllLogits),
                    theirs.map { ratios($0.passRatio) } ?? "–",
                    NumberFormat.fixed(ours.peakRssMb, digits: 0)
                        + (theirs?.peakRssMb.map { " / " + NumberFormat.fixed($0, digits: 0) } ?? ""),
                    NumberFormat.fixed(file.fileMb, digits: 0),
                ])
            }
        }
        return table.render()
    }

    /// `18.8 / 26.7 (×0.70)`, or Tandem's figure alone without llama.cpp's.
    static func sideBySide(_ ours: Double, _ theirs: Double?) -> String {
        let mine = NumberFormat.fixed(ours, digits: 1)
        guard let theirs, theirs > 0 else { return mine }
        return "\(mine) / \(NumberFormat.fixed(theirs, digits: 1)) (×\(NumberFormat.fixed(ours / theirs, digits: 2)))"
    }

    /// `1.33 / 1.84 / 2.59 / 5.21` for k = 2, 4, 8, 16.
    static func ratios(_ ratio: [String: Double]) -> String {
        ["2", "4", "8", "16"].map { ratio[$0].map { NumberFormat.fixed($0, digits: 2) } ?? "–" }
            .joined(separator: " / ")
    }
}

extension EngineComparison {
    /// The heading of the section `tandem bench engine --report` writes.
    public static let sectionHeading = "## Engine speed against llama.cpp"

    /// The report section: what was measured, how to reproduce it, and the table.
    public static func markdownSection(table: String, command: String, machine: String, date: Date) -> String {
        """
        \(sectionHeading)

        Command: `\(command)` (after `bench/llamacpp/build.sh` and `swift build -c release --product tandem`).
        Measured \(date.formatted(.iso8601)) on \(machine). Absolute speeds drift ±15% between runs on this VM:
        read the ratios (measured back to back in one run), not the absolute speeds.

        Each cell reads Tandem / llama.cpp (×Tandem ÷ llama.cpp). Decode: 64 one-position passes from an empty
        cache (llama-bench `-n 64`). Prefill: one 512-token pass (`-p 512`). k-pass ÷ 1-pass: one k-position pass
        after a 512-token context divided by a one-position pass there, for k = 2 / 4 / 8 / 16 (`-p 1,2,4,8,16
        -n 0 -d 512`); llama-bench computes logits for the last position only, so Tandem's comparable column
        is "last logits", and "all logits" is what a verification pass costs. KV cache: Tandem F32, llama-bench
        its default (F16). Peak RSS: Tandem's process / the largest llama-bench process for that file.
        Medians of the repetitions (llama-bench: the median of its samples).

        \(table)
        """
    }
}
