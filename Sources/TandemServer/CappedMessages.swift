import HummingbirdWebSocket
import NIOCore

/// A `/v1/assist` connection's inbound frames joined into messages of at most `limit` bytes. Unlike
/// the WebSocket library's own joining, a message over the cap is reported (`.tooLarge`) so the
/// server can answer `error{frame_too_large}` before it closes the connection; nothing past the cap
/// is kept.
struct CappedMessages {
    enum Message {
        case text(String)
        case binary
        /// The message outgrew the cap (read no further: the connection is closed after it).
        case tooLarge
        /// A text message that is not UTF-8.
        case invalidText
        /// A continuation frame with no message to continue.
        case stray
    }

    private var frames: WebSocketInboundStream.AsyncIterator
    let limit: Int

    init(_ inbound: WebSocketInboundStream, limit: Int) {
        frames = inbound.makeAsyncIterator()
        self.limit = limit
    }

    /// The next message, or nil when the connection closed.
    mutating func next() async throws -> Message? {
        guard let first = try await frames.next() else { return nil }
        let text: Bool
        switch first.opcode {
        case .text: text = true
        case .binary: text = false
        case .continuation: return .stray
        }
        var buffer = first.data
        var fin = first.fin
        // The connection closes after `.tooLarge`, so the rest of the message is never read.
        guard buffer.readableBytes <= limit else { return .tooLarge }
        while !fin {
            guard let frame = try await frames.next() else { return nil }
            guard frame.opcode == .continuation else { return .stray }
            fin = frame.fin
            guard buffer.readableBytes + frame.data.readableBytes <= limit else { return .tooLarge }
            var data = frame.data
            buffer.writeBuffer(&data)
        }
        guard text else { return .binary }
        guard let bytes = buffer.readBytes(length: buffer.readableBytes),
            let string = String(validating: bytes, as: UTF8.self)
        else {
            return .invalidText
        }
        return .text(string)
    }
}
