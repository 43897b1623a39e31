import Testing

@testable import TandemBench

/// The timing model alone, to the nanosecond: what the emulator aims for before sockets and timers add
/// their own error.
@Suite struct LinkScheduleTests {
    private func releases(_ schedule: inout LinkSchedule, bytes: Int, at arrival: UInt64) -> [(Int, UInt64)] {
        var out: [(Int, UInt64)] = []
        schedule.schedule(byteCount: bytes, arrival: arrival) { out.append(($0, $1)) }
        return out
    }

    @Test func delayOnlyAddsHalfTheRoundTrip() throws {
        var schedule = LinkSchedule(profile: try LinkProfile(rtt: .milliseconds(50)), stream: 0)
        let out = releases(&schedule, bytes: 100_000, at: 1_000_000_000)
        #expect(out.count == 1)
        #expect(out[0].0 == 100_000)
        #expect(out[0].1 == 1_025_000_000)
        #expect(schedule.scheduleEnd(arrival: 1_100_000_000) == 1_125_000_000)
    }

    @Test func bandwidthSerializesAndQueues() throws {
        // 200 kB at 8 Mbit/s is exactly 0.2 s on the wire.
        let profile = try LinkProfile(rtt: .milliseconds(10), bandwidthBitsPerSecond: 8_000_000)
        var schedule = LinkSchedule(profile: profile, stream: 0)
        let start: UInt64 = 5_000_000_000
        let first = releases(&schedule, bytes: 100_000, at: start)
        let second = releases(&schedule, bytes: 100_000, at: start)  // arrives while the first is on the wire
        let all = first + second
        #expect(all.map(\.0).reduce(0, +) == 200_000)
        #expect(all.allSatisfy { $0.0 <= schedule.segmentBytes })
        #expect(schedule.segmentBytes == 1500)
        let last = try #require(all.last).1
        let expected = start + 200_000_000 + 5_000_000
        #expect(last >= expected - 1 && last <= expected + 1)
        // Segments leave one serialization time apart, not all at once.
        let gap = all[1].1 - all[0].1
        #expect(gap == 1_500_000)
    }

    @Test func anIdleLinkStartsFresh() throws {
        let profile = try LinkProfile(rtt: .zero, bandwidthBitsPerSecond: 1_000_000)
        var schedule = LinkSchedule(profile: profile, stream: 0)
        _ = releases(&schedule, bytes: 125, at: 0)  // 1 ms on the wire
        let later = releases(&schedule, bytes: 125, at: 10_000_000)
        #expect(later[0].1 == 11_000_000)
    }

    @Test func jitterVariesDelayButNeverReorders() throws {
        let profile = try LinkProfile(rtt: .milliseconds(20), jitter: .milliseconds(8), seed: 42)
        var schedule = LinkSchedule(profile: profile, stream: 3)
        var previous: UInt64 = 0
        var delays: Set<UInt64> = []
        for chunk in 0..<2000 {
            let arrival = UInt64(chunk) * 500_000  // a chunk every 0.5 ms, far closer than the jitter
            for (_, release) in releases(&schedule, bytes: 10, at: arrival) {
                #expect(release >= previous)
                #expect(release >= arrival + 2_000_000)  // 10 ms - 8 ms
                previous = release
                delays.insert(release - arrival)
            }
        }
        #expect(delays.count > 100)
        #expect(delays.max().map { $0 <= 18_000_000 + 500_000 } == true)
    }

    @Test func jitterSpreadsEvenlyWhenChunksAreSparse() throws {
        let profile = try LinkProfile(rtt: .milliseconds(20), jitter: .milliseconds(5), seed: 1)
        var schedule = LinkSchedule(profile: profile, stream: 0)
        var delays: [Double] = []
        for chunk in 0..<4000 {
            let arrival = UInt64(chunk) * 100_000_000  // sparse: no chunk waits for the one before
            delays.append(Double(releases(&schedule, bytes: 1, at: arrival)[0].1 - arrival) / 1e6)
        }
        let mean = delays.reduce(0, +) / Double(delays.count)
        #expect(abs(mean - 10) < 0.2)
        #expect(delays.min().map { $0 >= 5 && $0 < 5.1 } == true)
        #expect(delays.max().map { $0 <= 15 && $0 > 14.9 } == true)
    }

    @Test func outOfRangeFieldsAreClampedNotTrusted() throws {
        var profile = try LinkProfile(rtt: .milliseconds(10), bandwidthBitsPerSecond: 8_000)
        profile.rtt = .milliseconds(-10)
        profile.jitter = .milliseconds(-3)
        profile.bandwidthBitsPerSecond = -5
        var schedule = LinkSchedule(profile: profile, stream: 0)
        let out = releases(&schedule, bytes: 1, at: 100)
        #expect(out.count == 1)
        #expect(out[0].1 == 100 + 8_000_000_000)  // one byte at 1 bit/s, no delay
    }

    @Test func theSeedRepeatsAndTheStreamSeparates() throws {
        let profile = try LinkProfile(rtt: .milliseconds(20), jitter: .milliseconds(5), seed: 9)
        func run(_ stream: UInt64, seed: UInt64 = 9) throws -> [UInt64] {
            var p = profile
            p.seed = seed
            var schedule = LinkSchedule(profile: p, stream: stream)
            return (0..<50).map { releases(&schedule, bytes: 1, at: UInt64($0) * 100_000_000)[0].1 }
        }
        #expect(try run(0) == run(0))
        #expect(try run(0) != run(1))
        #expect(try run(0) != run(0, seed: 10))
    }
}
