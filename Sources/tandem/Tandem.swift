import ArgumentParser

@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract:
            "Client-assisted LLM inference: a small draft model on the device, a large target model in the cloud.",
        discussion: """
            Start with `tandem demo` (the bundled draft/target pair over a loopback socket).
            `tandem demo --pair qwen2.5-coder` runs the real Qwen2.5-Coder 0.5B → 1.5B pair (see `tandem models`).
            `tandem <command> --help` shows each command's options and examples.
            """,
        subcommands: [
            DemoCommand.self, GenerateCommand.self, ServeCommand.self, InspectCommand.self, TokenizeCommand.self,
            LogitsCommand.self, BenchCommand.self,
            CoordinatorCommand.self, ModelsCommand.self, ProxyCommand.self,
        ]
    )
}
