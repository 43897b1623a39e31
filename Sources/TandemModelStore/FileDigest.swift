import Crypto
import Foundation

/// SHA-256 and size of a file, read in large chunks (model files are up to gigabytes).
enum FileDigest {
    static let chunkSize = 4 << 20

    /// The file's size and lower-case hex SHA-256.
    static func sha256(of url: URL) throws -> (size: Int64, sha256: String) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        return (size, hex(hasher.finalize()))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}

extension FileDigest {
    /// A running SHA-256 and byte count over data fed in order.
    struct Hasher {
        private var sha = SHA256()
        private var size: Int64 = 0
        mutating func update(_ data: Data) {
            sha.update(data: data)
            size += Int64(data.count)
        }
        func finish() -> (size: Int64, sha256: String) { (size, FileDigest.hex(sha.finalize())) }
    }
}
