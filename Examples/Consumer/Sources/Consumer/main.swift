import TandemGGUF
import TandemWire

// Encodes a protocol frame with the wire alone (no engine), and inspects a GGUF file when one is given.
let codec = WireCodec()
let open = WireMessage.open(
    OpenMessage(
        draftFingerprint: "example", sampling: .greedy, prompt: [1, 2, 3],
        maxTokens: 16, stopTokens: []))
print(try codec.encode(open))
if CommandLine.arguments.count > 1 {
    let file = try GGUFFile(path: CommandLine.arguments[1])
    print("\(CommandLine.arguments[1]): \(file.tensors.count) tensors")
}
