import ArgumentParser

/// `--draft FILE --target FILE`, defaulting to the bundled pair: the first options of the commands
/// that run both models (`demo`, `bench assist`, `bench preempt`). Include with
/// `@OptionGroup var models: ModelPairOptions`.
struct ModelPairOptions: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp("The draft model (GGUF file or installed model name).", valueName: "file|name"),
        transform: modelFileArgument)
    var draft = "Models/draft.gguf"

    @Option(
        name: .long,
        help: ArgumentHelp("The target model (GGUF file or installed model name).", valueName: "file|name"),
        transform: modelFileArgument)
    var target = "Models/target.gguf"
}
