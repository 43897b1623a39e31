import TandemModelStore

/// The `transform:` of every option that takes a GGUF file: a model name from the store
/// (`qwen2.5-coder-1.5b-instruct`) becomes its installed file; paths pass through unchanged.
func modelFileArgument(_ value: String) throws -> String {
    try ModelStore().resolveArgument(value)
}
