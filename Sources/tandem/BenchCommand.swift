import ArgumentParser

/// `tandem bench`: experiments over the decoding engine and emulated networks.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Experiments: emulated network links, sweeps and reports.",
        subcommands: [BenchLinkCommand.self]
    )
}
