#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#endif

/// The bytes of a GGUF file: either a read-only memory map of the file or an owned copy.
///
/// Immutable after init, hence `@unchecked Sendable`: the pointer is never written through.
/// The mapping (or copy) lives until the last ``GGUFFile`` or ``GGUFTensor`` referring to it
/// goes away.
final class MappedFile: @unchecked Sendable {
    private enum Ownership {
        case mapped
        case allocated
        case empty
    }

    /// All bytes of the file.
    let bytes: UnsafeRawBufferPointer
    private let ownership: Ownership

    /// Whether the bytes are mapped from disk (and so may need page faults to read).
    var isMapped: Bool { ownership == .mapped }

    /// Maps the file at `path` read-only.
    init(path: String) throws(GGUFError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: Self.lastErrorText()) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .cannotOpen(path: path, reason: Self.lastErrorText())
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotOpen(path: path, reason: "not a regular file")
        }
        guard let size = Int(exactly: status.st_size), size > 0 else {
            // mmap rejects a zero length; an empty file still parses (to a truncation error).
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            ownership = .empty
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
            address != MAP_FAILED
        else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(Self.lastErrorText())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        ownership = .mapped
    }

    /// Copies `source` into memory this object owns.
    init(copying source: [UInt8]) {
        guard !source.isEmpty else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            ownership = .empty
            return
        }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 64)
        storage.copyBytes(from: source)
        bytes = UnsafeRawBufferPointer(storage)
        ownership = .allocated
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        switch ownership {
        case .mapped: munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        case .allocated: UnsafeMutableRawPointer(mutating: base).deallocate()
        case .empty: break
        }
    }

    /// Touches one byte per page of `range` so the kernel faults the pages in now, calling
    /// `progress` with the fraction done about every 1%.
    func prefault(_ range: Range<Int>, progress: ((Double) -> Void)?) {
        progress?(0)
        guard isMapped, !range.isEmpty, let base = bytes.baseAddress else {
            progress?(1)
            return
        }
        let pageSize = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        let firstPage = range.lowerBound - range.lowerBound % pageSize
        // Ask for read-ahead first; touching the pages below then mostly finds them resident.
        _ = madvise(
            UnsafeMutableRawPointer(mutating: base + firstPage), range.upperBound - firstPage, MADV_WILLNEED)

        let total = Double(range.count)
        let reportEvery = max(pageSize, range.count / 100)
        var nextReport = range.lowerBound + reportEvery
        var checksum: UInt8 = 0
        var position = range.lowerBound
        while position < range.upperBound {
            checksum &+= bytes[position]
            position += pageSize
            if position >= nextReport {
                progress?(min(1, Double(position - range.lowerBound) / total))
                nextReport += reportEvery
            }
        }
        keepAlive(checksum)
        progress?(1)
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}

/// Consumes a value so the optimizer cannot drop the page reads that produced it.
@inline(never) @_optimize(none)
private func keepAlive(_ value: UInt8) {}
