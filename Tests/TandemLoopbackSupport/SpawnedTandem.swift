import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A `tandem` subprocess that runs in the background (a coordinator or a verifier): started, its
/// first stdout line read (the address it listens on), later killed or stopped.
package final class SpawnedTandem: @unchecked Sendable {
    package let process: Process
    /// The first line it printed.
    package let banner: String
    /// Where its stderr goes (read it to see what it logged).
    package let stderrPath: String

    private init(process: Process, banner: String, stderrPath: String) {
        self.process = process
        self.banner = banner
        self.stderrPath = stderrPath
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
        var line = Data()
        let reader = out.fileHandleForReading
        let deadline = ContinuousClock.now + .seconds(60)
        while !line.contains(UInt8(ascii: "\n")), ContinuousClock.now < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        return SpawnedTandem(process: process, banner: String(decoding: line, as: UTF8.self), stderrPath: stderrPath)
    }

    /// `start` on a Dispatch thread, for async tests: waiting for the first line blocks, and blocking
    /// the cooperative pool would stall the suites running in parallel.
    package static func launch(_ arguments: [String], environment: [String: String] = [:]) async throws -> SpawnedTandem
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
