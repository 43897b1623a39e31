import CTandemKernels
import Foundation

/// Why compute could not be pinned to CPUs.
public enum CPUAffinityError: Error, Equatable, CustomStringConvertible {
    /// This system has no thread affinity (macOS, among others): pinning is Linux-only.
    case unsupported
    /// A CPU number outside 0 ..< the CPUs online, or no CPU at all.
    case invalidCPU(Int, online: Int)
    /// The kernel refused (errno), e.g. a CPU outside the process's allowed set.
    case failed(Int32)

    public var description: String {
        switch self {
        case .unsupported: "pinning to a CPU is not supported on this system (Linux only)"
        case .invalidCPU(let cpu, let online): "CPU \(cpu) does not exist (CPUs online: 0…\(online - 1))"
        case .failed(let code): "the system refused the CPU affinity (errno \(code))"
        }
    }
}

/// Pinning compute to CPUs (Linux `sched_setaffinity` through `pthread_setaffinity_np`), e.g. to run a
/// draft and a target on one machine as two one-core "devices".
public enum CPUAffinity {
    /// CPUs online.
    public static var online: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The CPU the calling thread runs on now; nil where unknown.
    public static var currentCPU: Int? {
        let cpu = tk_current_cpu()
        return cpu >= 0 ? Int(cpu) : nil
    }

    /// Checks `cpus` against the CPUs online.
    public static func validate(_ cpus: [Int]) throws(CPUAffinityError) {
        guard let first = cpus.first else { throw .invalidCPU(-1, online: online) }
        for cpu in cpus where cpu < 0 || cpu >= online { throw .invalidCPU(cpu, online: online) }
        _ = first
    }

    /// Pins the calling thread (and the threads it creates from now on) to `cpus`.
    public static func pinCurrentThread(to cpus: [Int]) throws(CPUAffinityError) {
        try validate(cpus)
        let values = cpus.map { Int32($0) }
        let rc = values.withUnsafeBufferPointer { tk_pin_current_thread($0.baseAddress, Int32($0.count)) }
        try check(rc)
    }

    static func check(_ rc: Int32) throws(CPUAffinityError) {
        if rc == -1 { throw .unsupported }
        if rc != 0 { throw .failed(rc) }
    }
}

extension ComputePool {
    /// Pins this pool's work to `cpus`: its worker threads now, and every thread that runs a job on
    /// it (the job's caller takes part) from its next job on. A pool per model, each with its own
    /// CPUs, keeps two models on two cores.
    public func pin(to cpus: [Int]) throws(CPUAffinityError) {
        try CPUAffinity.validate(cpus)
        let values = cpus.map { Int32($0) }
        let rc = withHandle { handle in
            values.withUnsafeBufferPointer { tk_pool_set_cpus(handle, $0.baseAddress, Int32($0.count)) }
        }
        try CPUAffinity.check(rc ?? 0)
    }
}
