import Foundation
import Synchronization

/// Runs the built `tandem` executable (next to the test bundle) and captures its output.
package enum TandemCLI {
    package static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tandem")
    }

    package struct Output: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String

        package init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `tandem arguments…` to its end, killing it after `timeout`. The work happens on a Dispatch
    /// thread: its pipe reads block, and blocking the cooperative pool (two threads on CI) would stall
    /// every other suite running in parallel.
    package static func run(_ arguments: [String], timeout: Duration = .seconds(180)) async throws -> Output {
        try await offPool { try runBlocking(arguments, timeout: timeout) }
    }

    /// Runs `body` on a Dispatch thread and returns its result.
    package static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
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
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = DispatchWorkItem { process.terminate() }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        // Both pipes are drained at once: reading one to its end first would deadlock a child that
        // fills the other pipe's buffer (64 KiB) before it exits.
        let errors = CollectedOutput()
        let errorHandle = err.fileHandleForReading
        let stderrDone = DispatchGroup()
        stderrDone.enter()
        DispatchQueue.global().async {
            errors.set(errorHandle.readDataToEndOfFile())
            stderrDone.leave()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        stderrDone.wait()
        let stderr = errors.get()
        process.waitUntilExit()
        watchdog.cancel()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Output read on another thread.
private final class CollectedOutput: Sendable {
    private let data = Mutex(Data())
    func set(_ value: Data) { data.withLock { $0 = value } }
    func get() -> Data { data.withLock { $0 } }
}
