import Foundation
import TandemModel
import Testing

/// The folder named by `TANDEM_REAL_MODELS` (the real model files, e.g. /work/models), or nil.
enum RealModelFolder {
    static let variable = "TANDEM_REAL_MODELS"
    static var path: String? {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return nil }
        return value
    }
}

/// llama.cpp's answer for one real file and prompt, written by bench/llamacpp/logits_dump (see the
/// fixtures' README): the prompt's ids, the last position's 10 largest logits, a greedy continuation
/// with llama.cpp's top-1/top-2 margin at each step, and the tolerance for |Δlogit|.
struct RealModelReference: Decodable {
    struct Entry: Decodable {
        let id: Int
        let logit: Double
    }
    struct Top: Decodable { let top: [Entry] }
    struct Dump: Decodable {
        let tokens: [Int]
        let batch: Top
        let spread_top: Double
        let greedy: [Int]
        let greedy_margin: [Double]
    }
    let file: String
    let command: String
    /// llama.cpp's own batch-vs-single spread over the top 10 on this file (max over bench/real_models.py's
    /// four prompts): the bound for Tandem's difference from llama.cpp.
    let max_abs_delta_top10: Double
    let dump: Dump
}

/// Runs only when `TANDEM_REAL_MODELS` is set (CI does not download 1.6 GB of weights); then a missing
/// file FAILS. Unset, Swift Testing reports the suite as skipped, with the reason, never as passed.
@Suite(
    "Real model files against llama.cpp",
    .enabled(
        if: RealModelFolder.path != nil,
        "set TANDEM_REAL_MODELS to the folder holding qwen2.5-coder-0.5b-instruct.gguf to run this check"))
struct RealModelReferenceTests {
    @Test("Qwen2.5-Coder-0.5B: top-1, the top-10 logits and the greedy continuation match llama.cpp")
    func qwenCoderHalfBillion() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("real-qwen2.5-coder-0.5b-instruct.json")
        let reference = try JSONDecoder().decode(RealModelReference.self, from: Data(contentsOf: url))
        let folder = try #require(RealModelFolder.path)
        let path = (folder as NSString).appendingPathComponent(reference.file)
        try #require(
            FileManager.default.fileExists(atPath: path),
            "\(RealModelFolder.variable)=\(folder) but \(path) is missing")

        let model = try Model(path: path, threads: 2)
        let session = model.makeSession()
        let logits = try session.append(reference.dump.tokens, logits: .last).logits[0]
        let expected = reference.dump.batch.top
        #expect(argmaxIndex(logits) == expected[0].id)
        let delta = expected.prefix(10).map { abs(Double(logits[$0.id]) - $0.logit) }.max() ?? .infinity
        #expect(delta <= reference.max_abs_delta_top10, "max |Δlogit| over llama.cpp's top 10: \(delta)")

        // Greedy: identical up to the first step where llama.cpp's own margin is within the tolerance.
        var next = argmaxIndex(logits)
        for (step, token) in reference.dump.greedy.enumerated() {
            if reference.dump.greedy_margin[step] <= reference.max_abs_delta_top10 { break }
            #expect(next == token, "greedy step \(step)")
            if next != token { break }
            next = argmaxIndex(try session.append([next], logits: .last).logits[0])
        }
    }

    /// The largest value's index, ties to the lowest.
    private func argmaxIndex(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
