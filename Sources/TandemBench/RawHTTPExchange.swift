import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
    private let socketSend = Glibc.send
    private let sendFlags = Int32(MSG_NOSIGNAL)
#else
    import Darwin
    private let socketSend = Darwin.send
    private let sendFlags: Int32 = 0
#endif

/// One HTTP/1.1 exchange of raw bytes over a fresh loopback TCP connection, with a deadline: the bytes
/// go out exactly as given (a malformed request line, a lying `Content-Length`, invalid UTF-8), and the
/// answer is read until the server closes, a complete response has arrived, or the deadline passes.
/// Blocking sockets on a thread of their own, so a slow server never blocks the caller's executor.
struct RawHTTPExchange: Sendable {
    /// How the exchange ended.
    enum Ending: Sendable, Equatable {
        /// A complete response was read.
        case answered(RawHTTPResponse)
        /// The server closed the connection without a complete response (`partial` bytes came first).
        case closed(partial: Int)
        /// Nothing complete before the deadline.
        case timedOut(partial: Int)
        /// The connection could not be opened.
        case connectFailed(String)
    }

    var host: String
    var port: Int

    /// Sends `bytes`, then (with `halfClose`) shuts the sending side, and reads the answer.
    func send(_ bytes: [UInt8], halfClose: Bool = false, timeout: Duration) async -> Ending {
        let host = host
        let port = port
        // A thread of its own: on Linux Swift's concurrency pool is libdispatch's global queues, so a
        // blocking exchange there would take a thread from the very server it waits for.
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Self.blockingExchange(
                        bytes, host: host, port: port, halfClose: halfClose, timeout: timeout))
            }
            thread.start()
        }
    }

    /// A well-formed request: method, path, headers (`Host`, `Content-Length`, `Connection: close` added).
    static func request(
        method: String, path: String, contentType: String? = "application/json", body: [UInt8],
        extraHeaders: [String] = []
    ) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        for header in extraHeaders { head += header + "\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    private static func blockingExchange(
        _ bytes: [UInt8], host: String, port: Int, halfClose: Bool, timeout: Duration
    ) -> Ending {
        let deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, timeout.seconds) * 1e9)
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return .connectFailed("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return .connectFailed("bad host \(host)") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return .connectFailed("connect: errno \(errno)") }
        // Sending stops at the first failure: the server may answer (413) and close before it read all.
        var sent = 0
        while sent < bytes.count {
            guard waitFor(fd, events: Int16(POLLOUT), until: deadline) else { break }
            let n = bytes[sent...].withUnsafeBytes { socketSend(fd, $0.baseAddress, $0.count, sendFlags) }
            if n <= 0 { break }
            sent += n
        }
        if halfClose { _ = shutdown(fd, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let response = RawHTTPResponse.parse(received) { return .answered(response) }
            guard waitFor(fd, events: Int16(POLLIN), until: deadline) else { return .timedOut(partial: received.count) }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 {
                if let response = RawHTTPResponse.parse(received, closed: true) { return .answered(response) }
                return .closed(partial: received.count)
            }
            received += chunk[0..<n]
        }
    }

    /// Waits until `fd` is ready for `events` or the deadline passes (false then).
    private static func waitFor(_ fd: Int32, events: Int16, until deadline: UInt64) -> Bool {
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ms = Int32(min(1_000, (deadline - now) / 1_000_000 + 1))
            let r = poll(&entry, 1, ms)
            if r > 0 { return true }
            if r < 0, errno != EINTR { return false }
        }
    }
}

/// A parsed HTTP/1.1 response: status, headers (names lower-cased), body (chunked encoding undone).
struct RawHTTPResponse: Sendable, Equatable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    var contentType: String { headers["content-type"] ?? "" }

    /// The response in `bytes`, or nil while it is incomplete (`closed`: no more bytes will come, so a
    /// body without a length ends here).
    static func parse(_ bytes: [UInt8], closed: Bool = false) -> RawHTTPResponse? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4,
            let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<($0 + 4)].elementsEqual(separator) })
        else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = head.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            return nil
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let rest = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            guard let body = dechunk(rest) else { return closed ? nil : nil }
            return RawHTTPResponse(status: status, headers: headers, body: body)
        }
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard rest.count >= length else { return nil }
            return RawHTTPResponse(status: status, headers: headers, body: Array(rest[0..<length]))
        }
        if status == 204 || status == 304 || (100..<200).contains(status) {
            return RawHTTPResponse(status: status, headers: headers, body: [])
        }
        return closed ? RawHTTPResponse(status: status, headers: headers, body: rest) : nil
    }

    /// A chunked body's bytes, or nil until its last (zero-size) chunk has arrived.
    static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var at = 0
        while true {
            guard let lineEnd = (at..<max(at, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 })
            else { return nil }
            let sizeText = String(decoding: bytes[at..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                return nil
            }
            let start = lineEnd + 2
            if size == 0 { return out }
            guard bytes.count >= start + size + 2 else { return nil }
            out += bytes[start..<(start + size)]
            at = start + size + 2
        }
    }
}
