import Foundation
import Testing

@testable import TandemBench

/// Two lines in the shape `llama-bench -o jsonl` prints (fields Tandem does not read trimmed).
private let sampleLines = """
    {"build_commit": "abc", "model_filename": "m.gguf", "n_threads": 2, "n_prompt": 512, "n_gen": 0, "n_depth": 0, "avg_ns": 4000000000, "stddev_ns": 1, "avg_ts": 128.0, "samples_ns": [ 4100000000, 3900000000, 4000000000 ],"samples_ts": [ 124.8, 131.2, 128.0 ]}
    {"build_commit": "abc", "model_filename": "m.gguf", "n_threads": 2, "n_prompt": 0, "n_gen": 64, "n_depth": 0, "avg_ns": 2000000000, "stddev_ns": 1, "avg_ts": 32.0, "samples_ns": [ 2000000000 ],"samples_ts": [ 32.0 ]}

    """

private func passLine(k: Int, ms: Double, threads: Int = 2) -> String {
    "{\"n_threads\": \(threads), \"n_prompt\": \(k), \"n_gen\": 0, \"n_depth\": 512, \"avg_ns\": \(Int(ms * 1e6)), \"samples_ns\": [ \(Int(ms * 1e6)) ]}"
}

@Suite struct LlamaBenchRunTests {
    @Test func parsesJSONLinesAndSkipsBlankOnes() throws {
        let rows = try LlamaBenchRun.parse(jsonl: sampleLines)
        #expect(rows.count == 2)
        #expect(
            rows[0]
                == LlamaBenchRow(
                    nPrompt: 512, nGen: 0, nDepth: 0, nThreads: 2, avgNs: 4e9,
                    samplesNs: [4.1e9, 3.9e9, 4e9]))
        #expect(rows[0].medianSeconds == 4)
    }

    @Test func aLineThatIsNotATestIsAnErrorNamingTheLine() {
        #expect(throws: LlamaBenchError.unreadableLine(number: 2, text: "| model | size |")) {
            try LlamaBenchRun.parse(jsonl: "\n| model | size |\n")
        }
    }

    @Test func computesSpeedsAndPassRatios() throws {
        let passes = [(1, 40.0), (2, 60.0), (4, 100.0), (8, 180.0), (16, 320.0)]
        let text =
            sampleLines + passes.map { passLine(k: $0.0, ms: $0.1) }.joined(separator: "\n")
            + "\n" + passLine(k: 1, ms: 99, threads: 1)
        let figures = try LlamaBenchRun(executable: "llama-bench", model: "m.gguf")
            .figuresFrom(try LlamaBenchRun.parse(jsonl: text), threads: 2)
        #expect(figures.prefillTokS == 128)
        #expect(figures.decodeTokS == 32)
        #expect(abs((figures.passMs["1"] ?? 0) - 40) < 1e-9)
        #expect(abs((figures.passRatio["2"] ?? 0) - 1.5) < 1e-9)
        #expect(abs((figures.passRatio["16"] ?? 0) - 8) < 1e-9)
    }

    @Test func aMissingTestIsNamed() throws {
        let rows = try LlamaBenchRun.parse(jsonl: sampleLines)
        #expect(throws: LlamaBenchError.missingTest("pp1 @ d512, 2 threads")) {
            try LlamaBenchRun(executable: "llama-bench", model: "m.gguf").figuresFrom(rows, threads: 2)
        }
        #expect(throws: LlamaBenchError.missingTest("pp512, 1 threads")) {
            try LlamaBenchRun(executable: "llama-bench", model: "m.gguf").figuresFrom(rows, threads: 1)
        }
    }

    @Test func invocationsMatchTandemsMeasurements() {
        let args = LlamaBenchRun(executable: "llama-bench", model: "m.gguf").arguments(threads: 1)
        #expect(
            args == [
                ["-m", "m.gguf", "-t", "1", "-r", "3", "-o", "jsonl", "-p", "512", "-n", "64"],
                ["-m", "m.gguf", "-t", "1", "-r", "3", "-o", "jsonl", "-p", "1,2,4,8,16", "-n", "0", "-d", "512"],
            ])
    }
}

@Suite struct EngineComparisonTests {
    private func tandem(threads: Int) -> EngineBenchmark.Result {
        EngineBenchmark.Result(
            model: "m.gguf", threads: threads, prefillTokens: 512, prefillTokS: 100, decodeTokS: 20, passDepth: 512,
            passRatio: ["1": 1, "2": 1.25, "4": 2, "8": 3, "16": 5], passMs: ["1": 10],
            passRatioAllLogits: ["1": 1, "2": 1.5], passMsAllLogits: ["1": 10], peakRssMb: 600, fileMb: 469)
    }

    @Test func rowsPutLlamaCppBesideTandemWithTheRatio() {
        let llama = LlamaBenchFigures(
            threads: 2, prefillTokS: 200, decodeTokS: 25, passMs: [:],
            passRatio: ["2": 1.5, "4": 2.5, "8": 4.9, "16": 5.5], peakRssMb: 550)
        let table = EngineComparison.table([
            EngineComparison(
                model: "m.gguf", fileMb: 469, tandem: [tandem(threads: 1), tandem(threads: 2)],
                llamaCpp: [llama])
        ])
        let lines = table.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[3].contains("20.0 / 25.0 (×0.80)"))
        #expect(lines[3].contains("100.0 / 200.0 (×0.50)"))
        #expect(lines[3].contains("1.25 / 2.00 / 3.00 / 5.00"))
        #expect(lines[3].contains("1.50 / – / – / –"))
        #expect(lines[3].contains("1.50 / 2.50 / 4.90 / 5.50"))
        #expect(lines[3].contains("600 / 550"))
        // No llama.cpp figures at 1 thread: Tandem's alone.
        #expect(lines[2].contains(" 20.0 |"))
        #expect(!lines[2].contains("×"))
    }

    @Test func jsonUsesSnakeCaseAndRoundTrips() throws {
        let value = EngineComparison(
            model: "m.gguf", fileMb: 1, tandem: [tandem(threads: 2)], llamaCpp: [],
            llamaCppError: "llama-bench exited with status 1")
        let data = try JSONEncoder().encode(value)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"llama_cpp_error\""))
        #expect(text.contains("\"pass_ratio_all_logits\""))
        #expect(try JSONDecoder().decode(EngineComparison.self, from: data) == value)
    }

    @Test func fileSizeFollowsSymbolicLinks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("model.gguf")
        try Data(count: 2 * 1_048_576).write(to: target)
        let link = folder.appendingPathComponent("link.gguf")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        #expect(ModelFileSize.megabytes(link.path) == 2)
    }
}

@Suite struct MarkdownSectionTests {
    @Test func replacesOnlyItsOwnSection() {
        let document = "# Title\n\n## A\nold a\n\n## B\nkeep b\n"
        let result = MarkdownSection.replacing("## A", in: document, with: "## A\nnew a\n")
        #expect(result == "# Title\n\n## A\nnew a\n\n## B\nkeep b\n")
        let last = MarkdownSection.replacing("## B", in: document, with: "## B\nnew b")
        #expect(last == "# Title\n\n## A\nold a\n\n## B\nnew b\n")
    }

    @Test func appendsAMissingSection() {
        #expect(
            MarkdownSection.replacing("## C", in: "# Title\n\n## A\na\n", with: "## C\nc\n")
                == "# Title\n\n## A\na\n\n## C\nc\n")
    }
}
