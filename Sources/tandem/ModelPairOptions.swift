import ArgumentParser

/// `--draft FILE --target FILE`, defaulting to the bundled pair: the first options of the commands
/// that run both models (`demo`, `bench assist`, `bench preempt`). Include with
/// `@OptionGroup var models: ModelPairOptions`.
struct ModelPairOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The draft model (GGUF).", valueName: "file"))
    var draft = "Models/draft.gguf"

    @Option(name: .long, help: ArgumentHelp("The target model (GGUF).", valueName: "file"))
    var target = "Models/target.gguf"
}
