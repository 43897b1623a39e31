import ArgumentParser
import Foundation
import TandemGGUF
import TandemModel
import TandemTokenizer

/// Options shared by the commands that run a model (`generate`, `logits`).
struct ModelRunOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A GGUF model file (llama or qwen2), or an installed model's name (tandem models list).",
            valueName: "file|name"), transform: modelFileArgument)
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Prompt as comma-separated token ids, e.g. 1,2,3.", valueName: "ids"))
    var tokens: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Prompt as text, tokenized with the model file's tokenizer (BOS as the file says); instead of --tokens.",
            valueName: "text"))
    var prompt: String?

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    /// Checks that exactly one of `--tokens` / `--prompt` is given and parses `--tokens` (so a
    /// malformed list fails before the model is loaded).
    func parsedTokenIDs() throws -> [Int]? {
        switch (tokens, prompt) {
        case (nil, nil): throw CommandLineError("give the prompt with --tokens 1,2,3 or --prompt TEXT")
        case (.some, .some): throw CommandLineError("give either --tokens or --prompt, not both")
        case (nil, .some): return nil
        case (let list?, nil):
            let parts = list.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            var ids: [Int] = []
            for part in parts {
                guard let id = Int(part) else {
                    throw CommandLineError(
                        "--tokens: '\(part)' is not a token id (expected comma-separated integers such as 1,2,3)")
                }
                ids.append(id)
            }
            return ids
        }
    }

    /// The prompt's token ids: `--tokens` as given, or `--prompt` encoded with `tokenizer`.
    func promptTokens(parsed: [Int]?, tokenizer: Tokenizer?) throws -> [Int] {
        var ids = parsed ?? []
        if parsed == nil, let text = prompt {
            guard let tokenizer else {
                throw CommandLineError(
                    "--prompt needs a tokenizer, and \(model ?? "the model") has none (or an unreadable one); use --tokens"
                )
            }
            ids = tokenizer.encode(text)
        }
        guard !ids.isEmpty else { throw CommandLineError("the prompt needs at least one token") }
        return ids
    }

    /// Loads the model, drawing a progress line on stderr while a large file is paged in.
    func loadModel() throws -> Model {
        guard let model else { throw CommandLineError("give the model file with --model FILE.gguf") }
        return try loadModel(path: model)
    }

    /// Loads the model at `model` (as ``loadModel()``, for commands with several model files), with a
    /// trained exit-head side file when `exitHead` is given.
    func loadModel(path model: String, exitHead: String? = nil) throws -> Model {
        guard FileManager.default.fileExists(atPath: model) else {
            throw CommandLineError("no such file: \(model)")
        }
        let threadCount = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        // Through symbolic links: a linked model reports its target's size.
        let resolved = URL(fileURLWithPath: model).resolvingSymlinksInPath().path
        let size = (try? FileManager.default.attributesOfItem(atPath: resolved)[.size] as? Int) ?? 0
        if let exitHead, !FileManager.default.fileExists(atPath: exitHead) {
            throw CommandLineError("no such file: \(exitHead)")
        }
        guard size >= 64 << 20 else { return try Model(path: model, threads: threadCount, exitHead: exitHead) }
        let name = (model as NSString).lastPathComponent
        let printer = ProgressPrinter(label: "loading \(name)")
        let loaded = try Model(path: model, threads: threadCount, exitHead: exitHead) { printer.update($0) }
        printer.finish()
        return loaded
    }
}

/// `\rlabel: 42%` on stderr, redrawn when the percentage changes; when stderr is not a
/// terminal, only the start and the end are printed (no carriage-return noise in logs).
final class ProgressPrinter: @unchecked Sendable {
    private let label: String
    private let interactive = isatty(2) != 0
    private var last = -1
    init(label: String) { self.label = label }
    func update(_ fraction: Double) {
        let percent = Int((min(max(fraction, 0), 1) * 100).rounded(.down))
        guard percent != last else { return }
        if interactive {
            FileHandle.standardError.write(Data("\r\(label): \(percent)%".utf8))
        } else if last < 0 {
            FileHandle.standardError.write(Data("\(label)…".utf8))
        }
        last = percent
    }
    func finish() {
        FileHandle.standardError.write(Data((interactive ? "\r\(label): done\n" : " done\n").utf8))
    }
}

/// Where token ids become text: the model file's own tokenizer, when it has a readable one.
/// Without one, commands print ids only (and JSON `text` is null).
enum TokenText {
    static func tokenizer(for file: GGUFFile) -> Tokenizer? {
        guard file.value("tokenizer.ggml.model") != nil else { return nil }
        do {
            return try Tokenizer(gguf: file)
        } catch {
            FileHandle.standardError.write(
                Data("note: the model's tokenizer cannot be used (\(error)); printing ids only\n".utf8))
            return nil
        }
    }
}
