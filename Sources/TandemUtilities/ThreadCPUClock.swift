#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The CPU time the calling thread has consumed, in seconds (`CLOCK_THREAD_CPUTIME_ID`).
///
/// Measures work, not waiting: a pass that is descheduled on a loaded machine costs its wall time but
/// not its CPU time. Only the calling thread counts, so a model whose compute pool has more than one
/// thread does part of its work outside this clock (run the model with one thread to see all of it).
package enum ThreadCPUClock {
    /// Seconds of CPU time this thread has used so far (0 where the clock is unavailable).
    package static func now() -> Double {
        var spec = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec) == 0 else { return 0 }
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
}
