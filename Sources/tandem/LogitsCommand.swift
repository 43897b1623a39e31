import ArgumentParser
import Foundation
import TandemGGUF
import TandemModel
import TandemTokenizer

struct LogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Print the most likely next tokens after a prompt.",
        discussion: """
            Runs the prompt through the model in one forward pass and prints the largest logits \
            for the position after the last token (ties ordered by lowest id).

            Examples:
              tandem logits --model llama-s-f32.gguf --tokens 464,329 --top 5
              tandem logits --model m.gguf --tokens 1,2,3 --json
              tandem logits --model stories260K.gguf --prompt "Once upon a time" --top 3
            With --json:
              {"tokens":[1,2,3],"top":[{"id":42,"logit":7.25},...]}
            """
    )

    @OptionGroup var options: ModelRunOptions

    @Option(name: .long, help: "How many of the largest logits to print.")
    var top: Int = 10

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        try reportingErrors {
            let parsed = try options.parsedTokenIDs()
            guard top >= 1 else { throw CommandLineError("--top must be ≥ 1") }
            let model = try options.loadModel()
            let tokenizer = TokenText.tokenizer(for: model.file)
            let prompt = try options.promptTokens(parsed: parsed, tokenizer: tokenizer)
            let logits = try model.makeSession().append(prompt, logits: .last).logits[0]
            let best = logits.indices
                .sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
                .prefix(top)
            if json {
                try JSONOutput.print(
                    LogitsOutput(tokens: prompt, top: best.map { LogitsOutput.Entry(id: $0, logit: logits[$0]) }))
            } else {
                print("rank  token id  logit" + (tokenizer == nil ? "" : "       piece"))
                for (rank, id) in best.enumerated() {
                    var line = String(format: "%4d  %8d  %10.6f", rank + 1, id, logits[id])
                    if let piece = try? tokenizer?.piece(id) { line += "  " + JSONOutput.quoted(piece) }
                    print(line)
                }
            }
        }
    }
}

/// `tandem logits --json`: `{"tokens":[…],"top":[{"id":42,"logit":7.25},…]}`.
struct LogitsOutput: Encodable {
    struct Entry: Encodable {
        var id: Int
        /// null when not finite (JSON has no infinities).
        var logit: Float

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encodeAlways(logit.isFinite ? logit : nil, forKey: .logit)
        }

        enum CodingKeys: String, CodingKey { case id, logit }
    }

    var tokens: [Int]
    var top: [Entry]
}
