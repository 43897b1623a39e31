import ArgumentParser

/// `tandem bench …`: benchmarks that print figures and write them under bench/results.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and write its results under bench/results.",
        subcommands: [BenchEngineCommand.self]
    )
}
