import ArgumentParser
import Foundation
import TandemBench
import TandemGGUF
import TandemTokenizer

/// `tandem tokenize`: the model's tokenizer from the command line and for scripts.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text with a model's own tokenizer (read from its GGUF file).",
        discussion: """
            Prints one line per token: the id and the piece (as a JSON string; bytes of an incomplete character as \\xNN). BOS is added as the model does unless --no-bos; special tokens written in TEXT are recognised only with --special (always with --chat).

            --jsonl reads one JSON string per line from standard input and prints one JSON array of ids per line, in order (no BOS; special tokens parsed only with --special). A line that is not a JSON string stops the run with an error naming the line.

            Examples:
              tandem tokenize --model SmolLM2-135M-Instruct-Q8_0.gguf "Hello world"
              tandem tokenize --model qwen2.5-0.5b-instruct-q8_0.gguf --chat "What is 2+2?"
              printf '"Hello"\\n"<|im_end|>"\\n' | tandem tokenize --model FILE --jsonl --special
              tandem tokenize --model FILE --fingerprint
              tandem tokenize --model FILE --benchmark 4

            """
    )

    @Option(
        name: .long, help: "GGUF file (or installed model name) whose tokenizer to use (a vocab-only file works).",
        transform: modelFileArgument)
    var model: String

    @Argument(help: "Text to tokenize.")
    var text: String?

    @Flag(name: .long, help: "Recognise special tokens (<|im_start|>, <|begin_of_text|> …) written in the text.")
    var special = false

    @Flag(name: .customLong("no-bos"), help: "Do not add BOS even if the model adds it by default.")
    var noBOS = false

    @Flag(name: .long, help: "Print only the ids, as one JSON array.")
    var ids = false

    @Flag(name: .long, help: "Read JSON strings from standard input, one per line; print a JSON array of ids per line.")
    var jsonl = false

    @Flag(name: .long, help: "Print the tokenizer's fingerprint and summary (model, pre, size, special ids).")
    var fingerprint = false

    @Option(name: .long, help: "Benchmark: encode this many MB of generated mixed text and report tokens/s and MB/s.")
    var benchmark: Double?

    @OptionGroup var chatOptions: ChatOptions

    func validate() throws {
        let modes = [text != nil, jsonl, fingerprint, benchmark != nil].filter { $0 }.count
        if modes == 0 { throw ValidationError("give TEXT, --jsonl, --fingerprint or --benchmark") }
        if modes > 1 { throw ValidationError("TEXT, --jsonl, --fingerprint and --benchmark are exclusive") }
        if jsonl && chatOptions.isChat { throw ValidationError("--chat does not apply to --jsonl") }
    }

    func run() throws {
        try reportingErrors(body)
    }

    private func body() throws {
        let loadStart = Date()
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(gguf: GGUFFile(path: model))
        } catch {
            throw CommandLineError("\(model): \(error)")
        }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        if fingerprint {
            printSummary(tokenizer)
        } else if jsonl {
            try runJSONLines(tokenizer)
        } else if let megabytes = benchmark {
            TokenizerBenchmark.run(tokenizer, megabytes: megabytes, model: model, loadSeconds: loadSeconds) {
                print($0)
            }
        } else if let text {
            let ids =
                chatOptions.isChat
                ? try chatOptions.promptIDs(text, tokenizer: tokenizer)
                : tokenizer.encode(text, addBOS: noBOS ? false : nil, parseSpecial: special)
            if self.ids {
                try JSONOutput.print(ids)
            } else {
                for id in ids {
                    let bytes = (try? tokenizer.bytes(of: id)) ?? []
                    let padded = String(repeating: " ", count: max(0, 7 - String(id).count)) + String(id)
                    print("\(padded)  \(Self.quoted(bytes: bytes))")
                }
                print("\(ids.count) tokens")
            }
        }
    }

    /// A piece as a JSON string literal when its bytes are valid UTF-8, else the same with each byte of
    /// an invalid or incomplete sequence written as `\xNN` (so partial characters stay visible).
    static func quoted(bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return JSONOutput.quoted(s) }
        var out = "\""
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0
            if len > 0, i + len <= bytes.count, let s = String(validating: bytes[i..<(i + len)], as: UTF8.self) {
                out += JSONOutput.quoted(s).dropFirst().dropLast()
                i += len
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
                i += 1
            }
        }
        return out + "\""
    }

    private func printSummary(_ t: Tokenizer) {
        func id(_ x: Int?) -> String { x.map { "\($0) \(JSONOutput.quoted((try? t.piece($0)) ?? ""))" } ?? "none" }
        print("fingerprint  \(t.fingerprint)")
        print("model        \(t.model)")
        print("pre          \(t.pre ?? "(none)")")
        print("vocabulary   \(t.vocabularySize) tokens, \(t.vocabulary.merges.count) merges")
        print("bos          \(id(t.bosID))  add_bos=\(t.addBOS)")
        print("eos          \(id(t.eosID))")
        print("eot          \(id(t.eotID))")
        print("end of gen   \(t.endOfGenerationIDs.map(String.init).joined(separator: " "))")
        let chat = (try? t.chatTemplate()).map {
            "\($0.format.rawValue)"
                + ($0.defaultSystemPrompt.map { " (default system: \(JSONOutput.quoted($0)))" } ?? "")
        }
        print("chat format  \(chat ?? (t.chatTemplate == nil ? "none (no template)" : "unrecognised template"))")
    }

    private func runJSONLines(_ tokenizer: Tokenizer) throws {
        let out = FileHandle.standardOutput  // unbuffered: one line out per line in, also through pipes
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            let text: String
            do {
                text = try JSONOutput.decodeString(line)
            } catch {
                FileHandle.standardError.write(Data("tandem tokenize: line \(lineNumber): \(error)\n".utf8))
                throw ExitCode(65)
            }
            let ids = tokenizer.encode(text, addBOS: false, addEOS: false, parseSpecial: special)
            out.write(Data((try JSONOutput.string(ids) + "\n").utf8))
        }
    }
}
