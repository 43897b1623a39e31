/// Byte-level BPE merging over token ids in O(n log n) per pre-token: a doubly linked list of symbols
/// and a min-heap of candidate pairs ordered by (merge rank, position), so the lowest-ranked pair is
/// merged first and ties go to the leftmost, as Hugging Face's and llama.cpp's BPE do. Stale heap
/// entries are recognised on pop by re-checking the pair's rank.
struct BPEMerger: Sendable {
    /// Key: left id << 32 | right id. Value: rank << 32 | merged id.
    let ranks: [UInt64: UInt64]

    init(ranks: [UInt64: UInt64]) { self.ranks = ranks }

    @inline(__always) static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Merges `symbols` (initial token ids, one per byte; negative ids never merge) and appends the
    /// result to `out`.
    func merge(_ symbols: [Int32], into out: inout [Int]) {
        let n = symbols.count
        if n == 0 { return }
        if n == 1 {
            out.append(Int(symbols[0]))
            return
        }
        var ids = symbols
        var prev = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n { buf[i] = Int32(i - 1) }
            count = n
        }
        var next = [Int32](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n { buf[i] = i + 1 < n ? Int32(i + 1) : -1 }
            count = n
        }
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        heap.reserve(n)
        for i in 0..<(n - 1) {
            if let v = ranks[Self.key(ids[i], ids[i + 1])] {
                heap.push((v >> 32) << 32 | UInt64(i))
            }
        }
        while let top = heap.pop() {
            let rank = top >> 32
            let pos = Int(top & 0xFFFF_FFFF)
            guard alive[pos] else { continue }
            let right = Int(next[pos])
            guard right >= 0, let v = ranks[Self.key(ids[pos], ids[right])], v >> 32 == rank else { continue }
            ids[pos] = Int32(truncatingIfNeeded: v & 0xFFFF_FFFF)
            alive[right] = false
            let after = next[right]
            next[pos] = after
            if after >= 0 { prev[Int(after)] = Int32(pos) }
            let before = Int(prev[pos])
            if before >= 0, let w = ranks[Self.key(ids[before], ids[pos])] {
                heap.push((w >> 32) << 32 | UInt64(before))
            }
            if after >= 0, let w = ranks[Self.key(ids[pos], ids[Int(after)])] {
                heap.push((w >> 32) << 32 | UInt64(pos))
            }
        }
        var i = 0
        while i >= 0 {
            out.append(Int(ids[i]))
            i = Int(next[i])
        }
    }
}

/// A binary min-heap of packed `UInt64` keys.
struct MinHeap {
    private var items: [UInt64] = []

    mutating func reserve(_ n: Int) { items.reserveCapacity(n) }

    mutating func push(_ x: UInt64) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= items[i] { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var i = 0
        let n = items.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var m = l
            if l + 1 < n && items[l + 1] < items[l] { m = l + 1 }
            if items[i] <= items[m] { break }
            items.swapAt(i, m)
            i = m
        }
        return first
    }
}
