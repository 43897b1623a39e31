import Foundation
import TandemTokenizer
import TandemUtilities

/// `tandem tokenize --benchmark MB`: encoding throughput on generated mixed text (English prose, code,
/// numbers, Cyrillic, CJK, emoji, whitespace runs), single thread. Deterministic: the same MB give the
/// same text. Each finding is handed to `report` as one line of text as soon as it is measured.
public enum TokenizerBenchmark {
    public static func run(
        _ tokenizer: Tokenizer, megabytes: Double, model: String, loadSeconds: Double,
        report: (String) -> Void
    ) {
        let documents = mixedText(bytes: Int(megabytes * 1_000_000))
        let totalBytes = documents.reduce(0) { $0 + $1.utf8.count }
        report(
            "model: \(model)  (pre \(tokenizer.pre ?? "none"), \(tokenizer.vocabularySize) tokens, loaded in \(String(format: "%.2f", loadSeconds)) s)"
        )
        report("text:  \(documents.count) documents, \(String(format: "%.2f", Double(totalBytes) / 1e6)) MB")
        var tokenCount = 0
        for pass in ["cold cache", "warm cache"] {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = threadCPUSeconds()
            tokenCount = 0
            for doc in documents { tokenCount += tokenizer.encode(doc, addBOS: false).count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpu = threadCPUSeconds() - cpuStart
            report(
                String(
                    format:
                        "encode (%@): %d tokens; wall %.3f s = %.0f tokens/s, %.2f MB/s; thread CPU %.3f s = %.0f tokens/s, %.2f MB/s",
                    pass, tokenCount, seconds, Double(tokenCount) / seconds, Double(totalBytes) / 1e6 / seconds,
                    cpu, Double(tokenCount) / cpu, Double(totalBytes) / 1e6 / cpu))
        }
        let ids = documents.prefix(200).map { tokenizer.encode($0, addBOS: false) }
        let start = DispatchTime.now().uptimeNanoseconds
        var decodedBytes = 0
        var decodedTokens = 0
        for doc in ids {
            var stream = tokenizer.makeStreamingDecoder()
            for id in doc { decodedBytes += ((try? stream.feed(id)) ?? "").utf8.count }
            decodedBytes += stream.flush().utf8.count
            decodedTokens += doc.count
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        report(
            String(
                format: "streaming decode: %d tokens in %.3f s = %.0f tokens/s, %.2f MB/s",
                decodedTokens, seconds, Double(decodedTokens) / seconds, Double(decodedBytes) / 1e6 / seconds))
    }

    /// CPU time of the calling thread: unlike wall time, not inflated when other processes share the cores.
    public static func threadCPUSeconds() -> Double {
        ThreadCPUClock.now()
    }

    /// Documents of 1–8 KB of mixed text.
    public static func mixedText(bytes target: Int) -> [String] {
        var rng = SplitMix64(seed: 0x7A9D_E11E)
        let words = """
            the of and to in is was for that with as on by it from at be this which or an are were his not have \
            had but their they one has been its more also all can would when there who will into other these time \
            first new after two some only most model token server client draft target verify window cache latency \
            throughput network accept reject probability distribution sequence attention layer weight memory speed \
            Tokenizer SmolLM Qwen Llama GPU CPU Swift Linux macOS API HTTP JSON WebSocket
            """.split(separator: " ").map(String.init)
        let foreign = [
            "нещо", "на", "Български", "язык", "модели", "我想", "在", "苹果", "工作", "的", "模型", "東京",
            "こんにちは", "한국어", "Ελληνικά", "Cửa", "Việt", "Äpfel", "naïve", "café", "🦙", "🚀", "😁", "✅", "👍🏽",
        ]
        let code = [
            "func encode(_ text: String) -> [Int] {", "    return ids.map { $0 + 1 }", "}", "let x = 42;",
            "for (int i = 0; i < n; ++i) {", "    sum += a[i] * b[i];", "if err != nil { return err }",
            "def main():\n    print(\"hello\")", "SELECT id, name FROM users WHERE age >= 18;", "x <<= 2; y ||= z",
        ]
        var documents: [String] = []
        var total = 0
        while total < target {
            var doc = ""
            let size = Int.random(in: 1000...8000, using: &rng)
            while doc.utf8.count < size {
                switch Int.random(in: 0..<20, using: &rng) {
                case 0..<13:
                    var sentence = ""
                    for i in 0..<Int.random(in: 4...18, using: &rng) {
                        var w = words.randomElement(using: &rng) ?? "the"
                        if i == 0 { w = w.prefix(1).uppercased() + w.dropFirst() }
                        sentence += (i == 0 ? "" : " ") + w
                    }
                    doc +=
                        sentence + [".", ",", "!", "?", ";", "'s", " (see above)."].randomElement(using: &rng)! + " "
                case 13..<15:
                    doc +=
                        "\(Int.random(in: 0...9_999_999, using: &rng)) items at \(Int.random(in: 0...999, using: &rng)).\(Int.random(in: 0...99, using: &rng)) each, "
                case 15..<17:
                    doc +=
                        (0..<Int.random(in: 1...6, using: &rng)).map { _ in foreign.randomElement(using: &rng)! }
                        .joined(separator: " ") + " "
                case 17..<19:
                    doc += "\n" + code.randomElement(using: &rng)! + "\n"
                default:
                    doc += ["\n\n", "\t\t", "    ", "  \n  ", "\r\n"].randomElement(using: &rng)!
                }
            }
            total += doc.utf8.count
            documents.append(doc)
        }
        return documents
    }
}
