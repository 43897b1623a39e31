import Foundation

/// Where a fuzz run is, written to a file before each batch: a crash kills the process, and this file then
/// names the seed and the first index of the batch that was running, so `--start` replays it.
public struct FuzzProgress: Sendable {
    /// The file written (nil: none).
    public let path: String?

    public init(path: String?) { self.path = path }

    /// Records that inputs `start..<end` of `seed` are about to run.
    public func batch(target: String, seed: UInt64, start: Int, end: Int) {
        guard let path else { return }
        let line = "{\"target\":\"\(target)\",\"seed\":\(seed),\"running\":[\(start),\(end)]}\n"
        try? Data(line.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Records that the run finished.
    public func finished(target: String, seed: UInt64, inputs: Int) {
        guard let path else { return }
        let line = "{\"target\":\"\(target)\",\"seed\":\(seed),\"finished\":\(inputs)}\n"
        try? Data(line.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
