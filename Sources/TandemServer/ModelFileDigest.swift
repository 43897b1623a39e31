import Crypto
import Foundation

/// The SHA-256 of a model file, which verifiers report so clients and the coordinator can tell two
/// files with the same name apart.
public enum ModelFileDigest {
    /// Why a file could not be hashed.
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot hash \(path): \(reason)" }
    }

    /// Hashes the file at `path` in chunks (the file is never held in memory whole).
    ///
    /// - Parameter progress: called after each chunk with (bytes hashed, file size).
    /// - Returns: 64 lowercase hex digits.
    public static func sha256(
        path: String, chunkBytes: Int = 8 << 20,
        progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil
    ) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Failure(path: path, reason: "the file does not exist or cannot be read")
        }
        defer { try? handle.close() }
        let total: Int64
        do {
            total = Int64(try handle.seekToEnd())
            try handle.seek(toOffset: 0)
        } catch {
            throw Failure(path: path, reason: "\(error)")
        }
        var hasher = SHA256()
        var done: Int64 = 0
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: max(1, chunkBytes))
            } catch {
                throw Failure(path: path, reason: "\(error)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
            done += Int64(chunk.count)
            progress?(done, total)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
