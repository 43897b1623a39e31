import CTandemKernels
import Foundation
import Synchronization

/// Persistent worker threads (threads − 1 pthreads + the calling thread), never Swift's
/// cooperative pool.
///
/// Idle workers spin on an atomic generation counter for ~0.3 ms, then sleep on a condition
/// variable, so a dispatch costs about a microsecond while a model is running and an idle
/// process burns no CPU. Calls to ``run(_:)`` from different threads are serialised.
public final class ComputePool: @unchecked Sendable {
    /// Number of threads that run each job (the caller included).
    public let threadCount: Int

    private let handle: OpaquePointer?
    /// Activation scratch reused across matmuls (grown on demand, 64-byte aligned).
    /// Chunk counter for work handed out inside one job (used under the scratch lock).
    let chunkCounter = Atomic<Int>(0)
    private let scratchLock = NSLock()
    private var scratch = ScratchBuffer()

    /// Starts `threads − 1` worker threads; `threads` is clamped to ≥ 1.
    public init(threads: Int) {
        let requested = max(1, threads)
        let created = tk_pool_create(Int32(clamping: requested))
        handle = created
        threadCount = created == nil ? 1 : requested
    }

    deinit {
        if let handle { tk_pool_destroy(handle) }
        scratch.release()
    }

    /// Runs `body(threadIndex, threadCount)` once on every thread (the caller is thread 0) and
    /// returns when all have finished. Must not be called from inside `body`.
    public func run(_ body: (Int, Int) -> Void) {
        guard let handle else {
            body(0, 1)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var job = PoolJob(body: escapable)
            withUnsafeMutablePointer(to: &job) { pointer in
                tk_pool_run(handle, poolTrampoline, UnsafeMutableRawPointer(pointer))
            }
        }
    }

    /// Calls `body` with the C pool (nil when the pool could not be created).
    func withHandle<R>(_ body: (OpaquePointer) -> R) -> R? {
        guard let handle else { return nil }
        return body(handle)
    }

    /// Lends `body` a scratch buffer of at least `bytes` bytes (64-byte aligned), exclusively.
    func withScratch<R>(bytes: Int, _ body: (UnsafeMutableRawPointer) -> R) -> R {
        scratchLock.lock()
        defer { scratchLock.unlock() }
        return body(scratch.reserve(bytes))
    }
}

private struct PoolJob {
    let body: (Int, Int) -> Void
}

private let poolTrampoline: @convention(c) (UnsafeMutableRawPointer?, Int32, Int32) -> Void = { context, index, count in
    guard let context else { return }
    context.assumingMemoryBound(to: PoolJob.self).pointee.body(Int(index), Int(count))
}

/// A growable, 64-byte-aligned raw buffer (owned by a ComputePool, used under its lock).
struct ScratchBuffer {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0

    init() {}

    mutating func reserve(_ bytes: Int) -> UnsafeMutableRawPointer {
        if let base, capacity >= bytes { return base }
        base?.deallocate()
        let size = max(bytes, 4096)
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        base = fresh
        capacity = size
        return fresh
    }

    mutating func release() {
        base?.deallocate()
        base = nil
        capacity = 0
    }
}
