import ArgumentParser
import Foundation
import Logging
import TandemClient
import TandemDecoding
import TandemModel
import TandemModelAdapter
import TandemModelStore
import TandemServer
import TandemTokenizer

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Assisted generation end to end: a verifier on a loopback port and a client over a real WebSocket.",
        discussion: """
            Starts a verifier server in this process on an ephemeral loopback port with the target model, \
            connects a client holding the draft model, generates for a few built-in prompts, and prints \
            each text with a stats table and a comparison with the target alone over the same socket.

            --pair NAME runs a real pair from the model store instead (pulling it first if it is not \
            installed, see `tandem models`), with chat-formatted coding requests.

            Examples:
              tandem demo
              tandem demo --pair qwen2.5-coder                 # Qwen2.5-Coder 0.5B drafting for 1.5B (1.6 GB pull)
              tandem demo --pair qwen2.5-coder --max-tokens 256 --window 4
              tandem demo --draft Tests/TandemModelTests/Fixtures/llama-s-q8_0.gguf --target Tests/TandemModelTests/Fixtures/llama-s-f32.gguf
            """
    )

    /// Openings in the style of the bundled pair's corpus (docstrings and comments of Python's
    /// standard library); other models take other prompts through `tandem generate`.
    static let prompts = [
        "Return the",
        "This module provides",
        "The default implementation",
        "If the",
    ]

    /// Short HumanEval-like requests for a real instruct pair (`--pair`), sent as chat user turns.
    static let codingPrompts = [
        "Write a Python function that checks whether a number is prime.",
        "Write a Python function that returns the n-th Fibonacci number iteratively.",
        "Write a Python function that reverses the order of the words in a sentence.",
        "Write a Python function that removes duplicates from a list while keeping the order.",
    ]

    @OptionGroup var models: ModelPairOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run a real pair from the model store (pulled first if missing) with coding prompts; replaces --draft/--target.",
            valueName: "name"))
    var pair: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Drafts per round: a number, doubling or adaptive.", valueName: "N|doubling|adaptive"))
    var window = "adaptive"

    @Option(name: .long, help: "Tokens to generate per prompt (default: 48; 128 with --pair).")
    var maxTokens: Int?

    @Option(name: .long, help: "Compute threads per model (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Wrap each prompt as a user turn in the model's chat format.")
    var chat = false

    func run() async throws {
        try await reportingErrors { try await demo() }
    }

    private func demo() async throws {
        var draft = models.draft
        var target = models.target
        let prompts = pair == nil ? Self.prompts : Self.codingPrompts
        let chat = chat || pair != nil
        let maxTokens = maxTokens ?? (pair == nil ? 48 : 128)
        if let pair {
            let store = ModelStore()
            guard let known = store.catalog.pair(named: pair) else {
                throw CommandLineError(
                    "unknown pair '\(pair)'; known pairs: \(store.catalog.pairs.map(\.name).joined(separator: ", "))")
            }
            let paths = try store.pull(known.name) { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
            (draft, target) = (paths[0], paths[1])
        }
        for (flag, path) in [("--draft", draft), ("--target", target)]
        where !FileManager.default.fileExists(atPath: path) {
            throw CommandLineError(
                """
                no model at \(path). The bundled pair (Models/draft.gguf, Models/target.gguf) is not in this \
                checkout; pass \(flag) FILE, e.g. tandem demo --draft Tests/TandemModelTests/Fixtures/llama-s-q8_0.gguf \
                --target Tests/TandemModelTests/Fixtures/llama-s-f32.gguf
                """)
        }
        guard maxTokens >= 1 else { throw CommandLineError("--max-tokens must be ≥ 1") }
        let policy = try WindowOption.policy(window)
        var options = try ModelRunOptions.parse([])
        options.threads = threads
        let targetModel = try options.loadModel(path: target)
        let draftModel = try options.loadModel(path: draft)
        guard let targetTokenizer = TokenText.tokenizer(for: targetModel.file) else {
            throw CommandLineError("\(target) has no usable tokenizer")
        }
        guard let tokenizer = TokenText.tokenizer(for: draftModel.file) else {
            throw CommandLineError("\(draft) has no usable tokenizer")
        }

        var logger = Logger(label: "tandem.demo")
        // The demo stops its server by cancellation, which Hummingbird reports at error level
        // ("Waiting on child channel"); real failures reach the user as thrown errors instead.
        logger.logLevel = .critical
        let name = { (path: String) in (path as NSString).lastPathComponent }
        let server = VerifierServer(
            model: TargetModel(model: targetModel, id: name(target), tokenizer: targetTokenizer),
            host: "127.0.0.1", port: 0, logger: logger)
        let running = try await server.start()
        defer { Task { await running.stop() } }
        print("verifier: \(name(target)) at \(running.assistURL); draft: \(name(draft)); window: \(window)\n")

        let client = AssistedClient(
            draft: draftModel, draftName: name(draft), tokenizer: tokenizer,
            server: running.assistURL, policy: policy)
        var rows: [(String, GenerationStats)] = []
        var assisted: [GenerationResult] = []
        var requests: [SessionRequest] = []
        for (i, text) in prompts.enumerated() {
            let prompt =
                chat ? try tokenizer.promptIDs(text, chat: true, format: nil, system: nil) : tokenizer.encode(text)
            let request = SessionRequest(prompt: prompt, maxTokens: maxTokens, stopTokens: tokenizer.endOfGenerationIDs)
            requests.append(request)
            print("[\(i + 1)] \(text)", terminator: chat ? "\n" : "")
            fflush(nil)
            var result: GenerationResult?
            for try await event in client.generate(request) {
                switch event {
                case .token(_, let piece):
                    print(piece, terminator: "")
                    fflush(nil)
                case .finished(let r, _):
                    result = r
                }
            }
            print("\n")
            guard let result else { throw CancellationError() }
            assisted.append(result)
            rows.append(("\(i + 1)", result.stats))
        }
        let total = GenerationStats.aggregate(assisted)
        rows.append(("all", total))
        print(Self.table(rows))

        // The same prompts with the target alone, one token per round over the same kind of socket.
        let baselineVerifier = RemoteVerifier(
            .init(
                url: running.assistURL, draftFingerprint: tokenizer.fingerprint,
                draftModel: name(draft)))
        let baseline = TargetOnlyGenerator(verifier: baselineVerifier)
        var baselineResults: [GenerationResult] = []
        for request in requests {
            baselineResults.append(try await baseline.run(request))
        }
        let targetOnly = GenerationStats.aggregate(baselineResults)
        let same = zip(assisted, baselineResults).allSatisfy { $0.tokens == $1.tokens }
        print(
            String(
                format:
                    "target only: %.1f tok/s, %.2f cloud passes/token; assisted: %.1f tok/s (%.2f×), %.2f cloud passes/token; outputs %@",
                targetOnly.tokensPerS, targetOnly.cloudPassesPerToken, total.tokensPerS,
                targetOnly.tokensPerS > 0 ? total.tokensPerS / targetOnly.tokensPerS : 0, total.cloudPassesPerToken,
                same ? "identical (greedy)" : "DIFFER"))
        print(
            """
            note: here the "cloud" runs on the same CPU as the client, so wall-clock speed favours the \
            target alone; what assistance saves is target forward passes (cloud passes/token above). \
            `tandem bench link` puts an emulated network between a server and a client.
            """)
        await running.stop()
    }

    static func table(_ rows: [(String, GenerationStats)]) -> String {
        let header = [
            "prompt", "tokens", "accept", "tok/round", "passes/tok", "bytes/tok", "tok/s", "draft ms", "net ms",
            "verify ms",
        ]
        var lines = [header]
        for (label, s) in rows {
            lines.append([
                label, "\(s.generatedTokens)", String(format: "%.2f", s.acceptanceRate),
                String(format: "%.2f", s.tokensPerRound), String(format: "%.2f", s.cloudPassesPerToken),
                String(format: "%.1f", s.bytesPerToken), String(format: "%.1f", s.tokensPerS),
                String(format: "%.1f", s.draftMs), String(format: "%.1f", s.networkMs),
                String(format: "%.1f", s.verifyMs),
            ])
        }
        let widths = header.indices.map { c in lines.map { $0[c].count }.max() ?? 0 }
        return lines.map { row in
            row.enumerated().map { c, cell in
                c == 0
                    ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
