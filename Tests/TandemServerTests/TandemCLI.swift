import Foundation

/// Runs the built `tandem` executable (next to the test bundle) and captures its output.
enum TandemCLI {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tandem")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tandem arguments…` to its end, killing it after `timeout`. The work happens on a Dispatch
    /// thread: its pipe reads block, and blocking the cooperative pool (two threads on CI) would stall
    /// every other suite running in parallel.
    static func run(_ arguments: [String], timeout: Duration = .seconds(180)) async throws -> Output {
        try await offPool { try runBlocking(arguments, timeout: timeout) }
    }

    /// Runs `body` on a Dispatch thread and returns its result.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    private static func runBlocking(_ arguments: [String], timeout: Duration) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = DispatchWorkItem { process.terminate() }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
