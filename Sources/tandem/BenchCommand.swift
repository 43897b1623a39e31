import ArgumentParser

/// `tandem bench …`: benchmarks that print figures and write them under bench/results, and the
/// network link emulator the benchmarks run over.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and write its results under bench/results, or emulate a network link.",
        subcommands: [
            BenchEngineCommand.self, BenchKernelsCommand.self, BenchLinkCommand.self, BenchAssistCommand.self,
            BenchRouteCommand.self, BenchPreemptCommand.self, BenchExitLayersCommand.self, BenchKVCommand.self,
            BenchBatchCommand.self, BenchFuzzCommand.self, BenchLoadCommand.self, BenchRouterDataCommand.self,
        ]
    )
}
