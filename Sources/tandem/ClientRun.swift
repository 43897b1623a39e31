import Foundation
import TandemClient
import TandemDecoding

/// The output side shared by the remote modes of `tandem generate`: streamed text on stdout, then
/// one JSON object (`--json`) or a stats block on stderr.
enum ClientRun {
    /// Prints a streamed piece of text unless the output is JSON.
    static func show(_ text: String, json: Bool) {
        guard !json else { return }
        print(text, terminator: "")
        fflush(nil)
    }

    /// Streams the text of `events` (unless `json`) and returns the result and the whole text.
    static func consume(
        _ events: AsyncThrowingStream<AssistedEvent, any Error>,
        json: Bool
    ) async throws -> (result: GenerationResult, text: String) {
        var final: (GenerationResult, String)?
        for try await event in events {
            switch event {
            case .token(_, let text):
                show(text, json: json)
            case .finished(let result, let text):
                final = (result, text)
            }
        }
        guard let (result, text) = final else { throw CancellationError() }
        return (result, text)
    }

    /// Ends the streamed text and writes `block` (the stats for people) to stderr.
    static func finishText(block: String) {
        print("")
        FileHandle.standardError.write(Data(block.utf8))
    }
}
