import ArgumentParser

@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Client-assisted LLM inference: a small draft model on the device, a large target model in the cloud.",
        discussion: """
            Start with `tandem demo` (the bundled draft/target pair over a loopback socket).
            `tandem <command> --help` shows each command's options and examples.
            """,
        subcommands: [
            DemoCommand.self, GenerateCommand.self, ServeCommand.self, InspectCommand.self, TokenizeCommand.self,
            LogitsCommand.self, BenchCommand.self,
            CoordinatorCommand.self,
        ]
    )
}
