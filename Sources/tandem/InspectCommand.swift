import ArgumentParser
import Foundation
import TandemGGUF

/// `tandem inspect`: prints what a GGUF file holds, or why it cannot be read.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the header, metadata and tensors of a GGUF file.",
        discussion: """
            Prints the GGUF version and alignment, every metadata entry (long strings and \
            arrays shortened, e.g. array<string>[49152] ["!", "\\"", ...]), and a summary of \
            tensor count, parameters and bytes per tensor type. --tensors also lists every \
            tensor with its type, dimensions (ne[0] first), size and data offset.

            --json prints one JSON object instead, with snake_case keys: version, alignment, \
            data_offset, file_size, metadata (arrays as {"type", "count", "items"} with their \
            first 8 items), tensors ([{"name", "type", "dims", "bytes", "offset"}], always \
            listed) and summary.

            A file that is not valid GGUF prints the reason (what is wrong and at which byte, \
            key or tensor) to standard error and exits with status 1.

            Examples:
              tandem inspect models/SmolLM2-135M-Instruct-Q8_0.gguf
              tandem inspect model.gguf --tensors
              tandem inspect model.gguf --json | jq '.metadata["general.architecture"]'
            """
    )

    @Argument(help: "The GGUF file (or installed model name) to inspect.", transform: modelFileArgument)
    var file: String

    @Flag(help: "Print a JSON object instead of text.")
    var json = false

    @Flag(help: "List every tensor in the text output (JSON always lists them).")
    var tensors = false

    func run() throws {
        try reportingErrors {
            let inspector = GGUFInspector(file: try GGUFFile(path: file))
            print(json ? inspector.json() : inspector.text(listTensors: tensors), terminator: "")
        }
    }
}
