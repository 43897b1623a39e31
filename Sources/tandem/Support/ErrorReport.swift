import ArgumentParser
import Foundation

/// A one-line error for the user; commands print it on stderr and exit non-zero.
struct CommandLineError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// The CLI's one error path: every command body runs inside ``reportingErrors(_:)`` (or the async
/// overload), and an error that escapes it becomes `error: <one line>` on stderr and exit status 1.
/// An `ExitCode` passes through (the command has said what it had to say).
enum ErrorReport {
    /// Writes `error` and returns the exit code. `afterStreamedText` starts the message on a new line
    /// (generation streams text to stdout without a final newline).
    static func exitCode(for error: any Error, afterStreamedText: Bool = false) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        let message = String(describing: error).replacingOccurrences(of: "\n", with: " ")
        fflush(nil)
        FileHandle.standardError.write(Data("\(afterStreamedText ? "\n" : "")error: \(message)\n".utf8))
        return .failure
    }
}

/// Runs a command body, turning any error into `error: …` on stderr and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        throw ErrorReport.exitCode(for: error)
    }
}

/// Runs an async command body, turning any error into `error: …` on stderr and exit status 1.
func reportingErrors(afterStreamedText: Bool = false, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw ErrorReport.exitCode(for: error, afterStreamedText: afterStreamedText)
    }
}
