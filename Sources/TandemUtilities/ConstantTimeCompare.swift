import Synchronization

/// The one comparison every secret goes through (API keys, the coordinator's bearer secret): its time
/// depends on the lengths of its inputs, never on where they first differ, so a client cannot find a
/// key byte by byte from answer times.
///
/// It counts its calls (`callCount`), so a test can prove that a check of a presented key went through
/// it rather than through `==`.
package enum ConstantTimeCompare {
    private static let calls = Atomic<Int>(0)

    /// Calls of `equal` over the process's life.
    package static var callCount: Int { calls.load(ordering: .relaxed) }

    /// Sees every comparison made by the current task (tests: proves a check went through `equal`).
    @TaskLocal package static var observer: (@Sendable ([UInt8], [UInt8]) -> Void)?

    /// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths.
    package static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        calls.add(1, ordering: .relaxed)
        let x = Array(a)
        let y = Array(b)
        observer?(x, y)
        let length = max(x.count, y.count)
        var difference: UInt8 = x.count == y.count ? 0 : 1
        for i in 0..<length {
            let p = i < x.count ? x[i] : 0
            let q = i < y.count ? y[i] : 0
            difference |= p ^ q
        }
        return difference == 0
    }
}
