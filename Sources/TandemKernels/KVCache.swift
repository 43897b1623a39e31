import CTandemKernels

/// How a KV cache stores its keys and values.
public enum KVPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// 4 bytes a value: attention reads exactly what the projections produced.
    case f32
    /// IEEE half, 2 bytes a value (round to nearest even): half the memory, values rounded once.
    case f16

    /// Bytes one stored value takes.
    public var bytesPerValue: Int { self == .f32 ? 4 : 2 }

    public var description: String { rawValue }
}

/// The keys and values of one sequence for every layer, in pages of `pagePositions` positions.
///
/// Pages are allocated as the sequence grows and never move, so growing never copies the cache and
/// the memory a sequence holds is exactly its pages (what a server-wide budget counts). A page of a
/// layer holds `[position][width]` values (width = kvHeads · headDim) for keys and the same for values.
/// Not `Sendable`: one owner (a model session) at a time.
public final class KVCache {
    /// Layers, each with its own key and value pages.
    public let layers: Int
    /// Values one position takes in one layer's keys (kvHeads · headDim).
    public let width: Int
    public let precision: KVPrecision
    /// Positions in one page.
    public let pagePositions: Int
    /// Most positions the cache may ever hold (the model's context length).
    public let maxPositions: Int
    /// Positions the allocated pages hold (the last page may be shorter than `pagePositions` when
    /// the context ends inside it).
    public private(set) var capacity = 0

    /// [layer][page] base addresses.
    private var keyPages: [[UnsafeMutableRawPointer]]
    private var valuePages: [[UnsafeMutableRawPointer]]

    /// - Precondition (caller bug): every size positive.
    public init(layers: Int, width: Int, precision: KVPrecision, pagePositions: Int, maxPositions: Int) {
        precondition(layers > 0 && width > 0 && pagePositions > 0 && maxPositions > 0, "KVCache: bad shape")
        self.layers = layers
        self.width = width
        self.precision = precision
        self.pagePositions = pagePositions
        self.maxPositions = maxPositions
        keyPages = Array(repeating: [], count: layers)
        valuePages = Array(repeating: [], count: layers)
    }

    deinit {
        for pages in keyPages + valuePages { for page in pages { page.deallocate() } }
    }

    /// Bytes the pages hold now (keys and values of every layer).
    public var bytes: Int { bytes(forCapacity: capacity) }

    /// Bytes the pages would hold after ``reserve(positions:)`` with `positions`.
    public func bytes(afterReserving positions: Int) -> Int {
        bytes(forCapacity: max(capacity, plannedCapacity(positions)))
    }

    /// Bytes per position across all layers, keys and values.
    public var bytesPerPosition: Int { 2 * layers * width * precision.bytesPerValue }

    private func bytes(forCapacity positions: Int) -> Int { positions * bytesPerPosition }

    private func plannedCapacity(_ positions: Int) -> Int {
        let wanted = min(max(0, positions), maxPositions)
        return min((wanted + pagePositions - 1) / pagePositions * pagePositions, maxPositions)
    }

    /// Allocates pages until `positions` (clamped to `maxPositions`) fit. Existing pages stay put.
    public func reserve(positions: Int) {
        let target = plannedCapacity(positions)
        while capacity < target {
            let count = min(pagePositions, maxPositions - capacity)
            let pageBytes = count * width * precision.bytesPerValue
            for l in 0..<layers {
                let k = UnsafeMutableRawPointer.allocate(byteCount: max(pageBytes, 64), alignment: 64)
                let v = UnsafeMutableRawPointer.allocate(byteCount: max(pageBytes, 64), alignment: 64)
                k.initializeMemory(as: UInt8.self, repeating: 0, count: pageBytes)
                v.initializeMemory(as: UInt8.self, repeating: 0, count: pageBytes)
                keyPages[l].append(k)
                valuePages[l].append(v)
            }
            capacity += count
        }
    }

    /// Stores `count` positions starting at `position` of layer `layer`: keys and values are read
    /// from `keys`/`values` at row `row` (rows of `width` floats), converted to the cache precision.
    /// - Precondition (caller bug): the positions are within `capacity`; the rows exist.
    public func write(layer: Int, position: Int, count: Int, keys: [Float], values: [Float], row: Int) {
        precondition(layer >= 0 && layer < layers, "KVCache.write: layer \(layer)")
        precondition(position >= 0 && count >= 0 && position + count <= capacity, "KVCache.write: out of capacity")
        precondition(
            keys.count >= (row + count) * width && values.count >= (row + count) * width, "KVCache.write: rows")
        keys.withUnsafeBufferPointer { kp in
            values.withUnsafeBufferPointer { vp in
                for i in 0..<count {
                    let p = position + i
                    let at = (p % pagePositions) * width
                    let src = (row + i) * width
                    store(kp.baseAddress! + src, into: keyPages[layer][p / pagePositions], at: at)
                    store(vp.baseAddress! + src, into: valuePages[layer][p / pagePositions], at: at)
                }
            }
        }
    }

    private func store(_ src: UnsafePointer<Float>, into page: UnsafeMutableRawPointer, at element: Int) {
        switch precision {
        case .f32:
            (page.assumingMemoryBound(to: Float.self) + element).update(from: src, count: width)
        case .f16:
            tk_fp32_to_fp16_row(src, page.assumingMemoryBound(to: UInt16.self) + element, Int64(width))
        }
    }

    /// Reads back position `position` of layer `layer` as floats (tests, measurements).
    /// - Precondition (caller bug): position < capacity.
    public func read(layer: Int, position: Int) -> (keys: [Float], values: [Float]) {
        precondition(layer >= 0 && layer < layers && position >= 0 && position < capacity, "KVCache.read")
        let at = (position % pagePositions) * width
        func load(_ page: UnsafeMutableRawPointer) -> [Float] {
            switch precision {
            case .f32:
                return Array(UnsafeBufferPointer(start: page.assumingMemoryBound(to: Float.self) + at, count: width))
            case .f16:
                var out = [Float](repeating: 0, count: width)
                out.withUnsafeMutableBufferPointer { o in
                    tk_fp16_to_fp32_row(page.assumingMemoryBound(to: UInt16.self) + at, o.baseAddress!, Int64(width))
                }
                return out
            }
        }
        return (load(keyPages[layer][position / pagePositions]), load(valuePages[layer][position / pagePositions]))
    }

    /// Addresses (as integers) of layer `layer`'s first key and value page, 0 before any page exists:
    /// tests use them to prove that passes write the cache in place.
    public func firstPageAddresses(layer: Int) -> (keys: Int, values: Int) {
        (
            keyPages[layer].first.map { Int(bitPattern: $0) } ?? 0,
            valuePages[layer].first.map { Int(bitPattern: $0) } ?? 0
        )
    }

    /// The page addresses of one layer (for the attention kernel).
    func pages(layer: Int) -> (keys: [UnsafeMutableRawPointer], values: [UnsafeMutableRawPointer]) {
        (keyPages[layer], valuePages[layer])
    }
}
