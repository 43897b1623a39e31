import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A `tandem` subprocess that runs in the background (a coordinator or a verifier): started, its
/// first stdout line read (the address it listens on), later killed or stopped.
///
/// Its stdout is drained on a thread of its own for its whole life (a child that fills the pipe's
/// buffer after its first line would otherwise block), and its stderr goes to a file.
package final class SpawnedTandem: @unchecked Sendable {
    // @unchecked: every stored property is a `let`; `Process` is only started here, then read
    // (`isRunning`, `processIdentifier`) and waited on, which Foundation allows from any thread.
    package let process: Process
    /// The first line it printed.
    package let banner: String
    /// Where its stderr goes (read it to see what it logged).
    package let stderrPath: String
    private let output: StreamedOutput

    private init(process: Process, banner: String, stderrPath: String, output: StreamedOutput) {
        self.process = process
        self.banner = banner
        self.stderrPath = stderrPath
        self.output = output
    }

    /// Starts `tandem arguments…` and waits (up to 60 s) for its first line of output.
    package static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> SpawnedTandem {
        let process = Process()
        process.executableURL = TandemCLI.executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let stderrPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-test-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        let output = StreamedOutput()
        let firstLine = DispatchSemaphore(value: 0)
        let reader = out.fileHandleForReading
        // Read until the child closes its stdout: the first line wakes the caller, the rest is kept.
        Thread.detachNewThread {
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                if output.append(chunk) { firstLine.signal() }
            }
            firstLine.signal()
        }
        _ = firstLine.wait(timeout: .now() + 60)
        return SpawnedTandem(process: process, banner: output.firstLine, stderrPath: stderrPath, output: output)
    }

    /// `start` on a Dispatch thread, for async tests: waiting for the first line blocks, and blocking
    /// the cooperative pool would stall the suites running in parallel.
    package static func launch(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> SpawnedTandem
    {
        try await TandemCLI.offPool { try start(arguments, environment: environment) }
    }

    /// The `ws://127.0.0.1:PORT` a verifier printed.
    package var assistAddress: String? {
        banner.firstMatch(of: /ws:\/\/127\.0\.0\.1:(\d+)/).map { "ws://127.0.0.1:\($0.1)" }
    }

    /// The `http://127.0.0.1:PORT` a coordinator printed.
    package var httpAddress: String? {
        banner.firstMatch(of: /http:\/\/127\.0\.0\.1:(\d+)/).map { "http://127.0.0.1:\($0.1)" }
    }

    /// Everything it printed on stdout so far.
    package var stdout: String { String(decoding: output.all, as: UTF8.self) }

    /// What it wrote to stderr so far.
    package var stderr: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    /// Kills it at once (no goodbye to anyone), and reaps it.
    package func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Asks it to shut down gracefully (SIGTERM) and waits.
    package func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(atPath: stderrPath)
    }
}

/// A child's stdout as it arrives, read on another thread.
private final class StreamedOutput: Sendable {
    private struct State {
        var data = Data()
        var sawLine = false
    }

    private let state = Mutex(State())

    /// Appends a chunk; true when it completed the first line.
    func append(_ chunk: Data) -> Bool {
        state.withLock { s in
            s.data.append(chunk)
            guard !s.sawLine, s.data.contains(UInt8(ascii: "\n")) else { return false }
            s.sawLine = true
            return true
        }
    }

    /// Everything up to the first line's end (all of it while no line is complete).
    var firstLine: String {
        state.withLock { s in
            let end = s.data.firstIndex(of: UInt8(ascii: "\n")).map { s.data.index(after: $0) } ?? s.data.endIndex
            return String(decoding: s.data[..<end], as: UTF8.self)
        }
    }

    var all: Data { state.withLock { $0.data } }
}
