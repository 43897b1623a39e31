import ArgumentParser

@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Client-assisted LLM inference: a small draft model on the device, a large target model in the cloud.",
        subcommands: [InspectCommand.self, TokenizeCommand.self, BenchCommand.self]
    )
}
