import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock` on a model's staging folder, so two pulls of one model never write the same
/// parts; the kernel drops it when the process ends, so a killed pull leaves no stale lock.
struct StagingLock {
    static let fileName = ".lock"
    private let descriptor: Int32

    init(folder: URL, name: String) throws {
        let path = folder.appendingPathComponent(Self.fileName).path
        let descriptor = open(path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else {
            throw ModelStoreError.writeFailed(path: path, detail: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ModelStoreError.busy(name: name)
        }
        self.descriptor = descriptor
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
