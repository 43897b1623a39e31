import TandemGGUF
import TandemKernels
import TandemWire

// Encodes a protocol frame with the wire alone (no engine), and inspects a GGUF file when one is given.
let codec = WireCodec()
let open = WireMessage.open(
    OpenMessage(
        draftFingerprint: "example", sampling: .greedy, prompt: [1, 2, 3],
        maxTokens: 16, stopTokens: []))
print(try codec.encode(open))
// And runs one kernel (the C target with its optimisation flags): RMS norm of one row (3, 4) with unit weights.
var normed = [Float](repeating: 0, count: 2)
Kernels.rmsNorm([3, 4], weight: [1, 1], eps: 0, count: 1, output: &normed)
print("rms_norm:", normed.map { ($0 * 1000).rounded() / 1000 })
if CommandLine.arguments.count > 1 {
    let file = try GGUFFile(path: CommandLine.arguments[1])
    print("\(CommandLine.arguments[1]): \(file.tensors.count) tensors")
}
