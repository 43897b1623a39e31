import Synchronization

/// A bounded, thread-safe cache from a pre-token's bytes to its token ids, so text with repeated
/// words merges each distinct word once. When full it is emptied (cheap, and keeps memory bounded).
final class PreTokenCache: Sendable {
    private let storage = Mutex<[ByteKey: [Int]]>([:])
    let capacity: Int
    /// Longer pre-tokens are rare and cheap to merge relative to their length; not caching them keeps
    /// the cache's memory bounded (capacity × this) whatever the input.
    static let maxKeyBytes = 256

    init(capacity: Int = 1 << 16) { self.capacity = capacity }

    func get(_ key: ByteKey) -> [Int]? {
        storage.withLock { $0[key] }
    }

    func put(_ key: ByteKey, _ value: [Int]) {
        storage.withLock { dict in
            if dict.count >= capacity { dict.removeAll(keepingCapacity: true) }
            dict[key] = value
        }
    }
}
