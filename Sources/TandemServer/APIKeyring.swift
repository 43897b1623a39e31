import Foundation
import Synchronization
import TandemUtilities

/// The server's API keys, replaceable while it runs (`reload()` on SIGHUP revokes a key without a
/// restart). A presented key is compared with every key through `ConstantTimeCompare.equal`, the one
/// comparison secrets go through, without stopping at the first match.
public final class APIKeyring: Sendable {
    /// The file `reload()` re-reads, when the keys came from one.
    public let path: String?
    private let keys: Mutex<[APIKey]>

    /// The keys of the file at `path` (validated; the error names the entry and field at fault).
    public convenience init(path: String) throws(APIKeyFileError) {
        self.init(keys: try APIKeyFile.load(path: path), path: path)
    }

    /// Keys given directly (tests, embedders).
    public init(keys: [APIKey], path: String? = nil) {
        self.keys = Mutex(keys)
        self.path = path
    }

    /// How many keys are held.
    public var count: Int { keys.withLock { $0.count } }

    /// The names of the keys held.
    public var names: [String] { keys.withLock { $0.map(\.name) } }

    /// Re-reads the file; on any error the keys held stay as they were and the error says why.
    /// Returns the number of keys now held.
    @discardableResult
    public func reload() throws(APIKeyFileError) -> Int {
        guard let path else { throw APIKeyFileError("these keys did not come from a file") }
        let fresh = try APIKeyFile.load(path: path)
        replace(with: fresh)
        return fresh.count
    }

    /// Replaces the keys (a reload from somewhere other than the file).
    public func replace(with fresh: [APIKey]) {
        keys.withLock { $0 = fresh }
    }

    /// The entry whose key is `presented`, or nil. Every key is compared (in constant time each), so the
    /// time taken does not say which key, if any, matched.
    func match(_ presented: [UInt8]) -> APIKey? {
        let held = keys.withLock { $0 }
        var found: APIKey?
        for entry in held where ConstantTimeCompare.equal(presented, Array(entry.key.utf8)) {
            if found == nil { found = entry }
        }
        return found
    }

    /// The key of an `Authorization` header value (`Bearer KEY`, scheme in any case), or nil.
    static func bearer(_ authorization: String?) -> [UInt8]? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let key = parts[1].trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : Array(key.utf8)
    }
}
