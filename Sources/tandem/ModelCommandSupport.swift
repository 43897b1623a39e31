import ArgumentParser
import Foundation
import TandemGGUF
import TandemModel

/// Options shared by the commands that run a model (`generate`, `logits`).
struct ModelRunOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Path of a GGUF model file (llama or qwen2).", valueName: "file"))
    var model: String

    @Option(name: .long, help: ArgumentHelp("Prompt as comma-separated token ids, e.g. 1,2,3.", valueName: "ids"))
    var tokens: String

    @Option(name: .long, help: "Compute threads (default: all cores).")
    var threads: Int?

    /// Parses `--tokens`; a malformed list is a one-line user error.
    func promptTokens() throws -> [Int] {
        let parts = tokens.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var ids: [Int] = []
        for part in parts {
            guard let id = Int(part) else {
                throw CommandLineError("--tokens: '\(part)' is not a token id (expected comma-separated integers such as 1,2,3)")
            }
            ids.append(id)
        }
        guard !ids.isEmpty else { throw CommandLineError("--tokens: the prompt needs at least one token id") }
        return ids
    }

    /// Loads the model, drawing a progress line on stderr while a large file is paged in.
    func loadModel() throws -> Model {
        guard FileManager.default.fileExists(atPath: model) else {
            throw CommandLineError("no such file: \(model)")
        }
        let threadCount = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let size = (try? FileManager.default.attributesOfItem(atPath: model)[.size] as? Int) ?? 0
        guard size >= 64 << 20 else { return try Model(path: model, threads: threadCount) }
        let name = (model as NSString).lastPathComponent
        let printer = ProgressPrinter(label: "loading \(name)")
        let loaded = try Model(path: model, threads: threadCount) { printer.update($0) }
        printer.finish()
        return loaded
    }
}

/// A one-line error for the user; commands print it on stderr and exit non-zero.
struct CommandLineError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Runs a command body, turning any error into `error: …` on stderr and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let message = String(describing: error).replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        throw ExitCode.failure
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

/// Seam for turning token ids into text. Returns nil until a tokenizer is wired in; then
/// `generate` prints text and fills the JSON `text` field.
enum TokenText {
    static func decoder(for file: GGUFFile) -> ((Int) -> String)? {
        nil
    }
}

/// JSON helpers that keep the output format exact (field order, snake_case, null).
enum JSONText {
    static func number(_ value: Double, decimals: Int = 3) -> String {
        guard value.isFinite else { return "null" }
        return String(format: "%.\(decimals)f", value)
    }
    static func number(_ value: Float) -> String {
        guard value.isFinite else { return "null" }
        return "\(value)"
    }
    static func string(_ value: String?) -> String {
        guard let value else { return "null" }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
    static func ints(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ",") + "]"
    }
}
