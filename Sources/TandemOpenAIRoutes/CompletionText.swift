import TandemDecoding
import TandemOpenAI
import TandemTokenizer

/// Turns a completion's tokens into the text a client sees: decoded as a stream (special tokens
/// skipped, no half characters), cut at the first stop string, with a tail that may start one held back.
public struct CompletionText: Sendable {
    private var decoder: StreamingDecoder
    private var filter: StopTextFilter
    /// Everything released so far.
    public private(set) var text = ""

    public init(tokenizer: Tokenizer, stop: [String]) {
        decoder = tokenizer.makeStreamingDecoder(skipSpecial: true)
        filter = StopTextFilter(stop)
    }

    /// The text `token` releases (often empty).
    public mutating func feed(_ token: Int) -> String {
        let piece = filter.feed((try? decoder.feed(token)) ?? "")
        text += piece
        return piece
    }

    /// The rest, at the end of the generation.
    public mutating func finish() -> String {
        let piece = filter.feed(decoder.flush()) + filter.finish()
        text += piece
        return piece
    }

    /// OpenAI's `finish_reason` for the generation's end.
    public func finishReason(_ reason: FinishReason) -> String {
        if filter.stopped { return "stop" }
        switch reason {
        case .stopToken, .stopString, .verifierFinished: return "stop"
        case .maxTokens, .contextFull: return "length"
        }
    }
}
