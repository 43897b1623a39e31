import TandemDecoding
import TandemTokenizer

/// Turns the token ids a generator streams into the text pieces they complete, and relays a
/// generator's events as a client's events with that text — the one wrapper `AssistedClient`,
/// `RoutedClient` and `ResilientClient` share.
struct TextStreamer: Sendable {
    private var decoder: StreamingDecoder?
    /// All the text fed so far.
    private(set) var text = ""

    /// Without a tokenizer every piece is empty.
    init(tokenizer: Tokenizer?) {
        decoder = tokenizer?.makeStreamingDecoder(skipSpecial: true)
    }

    /// The text `id` adds (empty while a UTF-8 character is incomplete).
    mutating func feed(_ id: Int) -> String {
        let piece: String = (try? decoder?.feed(id)) ?? ""
        text += piece
        return piece
    }

    /// Flushes what the decoder still holds and returns all the text.
    mutating func finish() -> String {
        text += decoder?.flush() ?? ""
        return text
    }

    /// `strings` as the generator's stop strings, matched on decoded text; nil without a tokenizer.
    static func stopStrings(_ strings: [String], tokenizer: Tokenizer?) -> StopStrings? {
        tokenizer.map { t in
            StopStrings(strings) { (try? t.decode($0, skipSpecial: true)) ?? "" }
        }
    }

    /// Relays `events` through `translate`, which sees one streamer (and one `state`) for the whole
    /// run; cancelling the consumer (or dropping the stream) cancels the relay.
    static func relay<Input: Sendable, Output: Sendable, State: Sendable>(
        _ events: AsyncThrowingStream<Input, any Error>, tokenizer: Tokenizer?, state: State,
        translate: @escaping @Sendable (Input, inout TextStreamer, inout State) -> Output
    ) -> AsyncThrowingStream<Output, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var streamer = TextStreamer(tokenizer: tokenizer)
                var state = state
                do {
                    for try await event in events {
                        continuation.yield(translate(event, &streamer, &state))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A generator's plain events as `AssistedEvent`s with their text.
    static func assistedEvents(
        _ events: AsyncThrowingStream<GenerationEvent, any Error>,
        tokenizer: Tokenizer?
    ) -> AsyncThrowingStream<AssistedEvent, any Error> {
        relay(events, tokenizer: tokenizer, state: ()) { event, streamer, _ in
            switch event {
            case .token(let id): .token(id: id, text: streamer.feed(id))
            case .finished(let result): .finished(result, text: streamer.finish())
            }
        }
    }
}
