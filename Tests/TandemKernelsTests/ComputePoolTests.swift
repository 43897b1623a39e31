import Foundation
import Synchronization
import Testing

@testable import TandemKernels

@Suite struct ComputePoolTests {
    @Test(arguments: [0, 1, 2, 4])
    func everyThreadRunsOnce(threads: Int) {
        let pool = ComputePool(threads: threads)
        #expect(pool.threadCount == max(1, threads))
        for _ in 0..<200 {
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: pool.threadCount)
            hits.initialize(repeating: 0)
            var sawCount = true
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: pool.threadCount)
            pool.run { i, n in
                hits[i] += 1
                counts[i] = n
            }
            for i in 0..<pool.threadCount { sawCount = sawCount && counts[i] == pool.threadCount }
            #expect(hits.allSatisfy { $0 == 1 })
            #expect(sawCount)
            hits.deallocate()
            counts.deallocate()
        }
    }

    @Test func concurrentCallersAreSerialised() async {
        let pool = ComputePool(threads: 2)
        let state = OverlapState()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<100 {
                        pool.run { i, _ in
                            if i == 0 {
                                if state.inside.add(1, ordering: .sequentiallyConsistent).newValue != 1 {
                                    state.overlap.store(true, ordering: .relaxed)
                                }
                                state.inside.subtract(1, ordering: .sequentiallyConsistent)
                            }
                        }
                    }
                }
            }
        }
        let overlapped = state.overlap.load(ordering: .relaxed)
        #expect(!overlapped)
    }

    @Test func workersWakeAfterSleeping() throws {
        let pool = ComputePool(threads: 2)
        Thread.sleep(forTimeInterval: 0.01)  // past the spin window: workers are asleep
        let flag = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        flag.pointee = 0
        pool.run { i, _ in if i == 1 { flag.pointee = 42 } }
        #expect(flag.pointee == 42)
        flag.deallocate()
    }
}

private final class OverlapState: Sendable {
    let inside = Atomic<Int>(0)
    let overlap = Atomic<Bool>(false)
}
