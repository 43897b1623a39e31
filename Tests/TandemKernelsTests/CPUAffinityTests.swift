import Synchronization
import TandemKernels
import Testing

/// Pinning a compute pool to CPUs: its workers and the threads that run its jobs stay on them.
@Suite struct CPUAffinityTests {
    @Test func aPinnedPoolRunsEveryThreadOnItsCPU() throws {
        #if os(Linux)
            let target = CPUAffinity.online - 1  // the last CPU: not where this thread happens to start, often
            // The job's caller gets pinned too; give this test thread every CPU back afterwards.
            defer { try? CPUAffinity.pinCurrentThread(to: Array(0..<CPUAffinity.online)) }
            for threads in [1, 2] {
                let pool = ComputePool(threads: threads)
                try pool.pin(to: [target])
                let seen = Mutex<Set<Int>>([])
                for _ in 0..<20 {
                    pool.run { _, _ in
                        // Spin briefly so each thread's CPU is observed while the job runs.
                        var x = 0.0
                        for i in 0..<10_000 { x += Double(i).squareRoot() }
                        let cpu = CPUAffinity.currentCPU ?? -2
                        seen.withLock { _ = $0.insert(x >= 0 ? cpu : -1) }
                    }
                }
                #expect(seen.withLock { $0 } == [target], "threads \(threads)")
            }
        #endif
    }

    @Test func badCPUsAreRefused() {
        let pool = ComputePool(threads: 1)
        #expect(throws: CPUAffinityError.self) { try pool.pin(to: [CPUAffinity.online]) }
        #expect(throws: CPUAffinityError.self) { try pool.pin(to: [-1]) }
        #expect(throws: CPUAffinityError.self) { try pool.pin(to: []) }
        #expect(CPUAffinityError.unsupported.description.contains("Linux only"))
    }
}
