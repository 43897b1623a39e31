import TandemUtilities

/// The timing model of one direction of an emulated link, kept apart from sockets so it can be checked
/// exactly.
///
/// A chunk that arrives at time `t` is cut into segments. Each segment waits until the link is free,
/// takes `bytes · 8 / bandwidth` to serialize (so segments queue behind each other like on a real link),
/// then propagates for the one-way delay `rtt/2 + u · jitter` (u uniform in [-1, 1], drawn once per
/// chunk, never below zero). A segment is never released before the one ahead of it, so jitter stretches
/// gaps but never reorders bytes.
struct LinkSchedule: Sendable {
    /// One-way propagation delay, in nanoseconds.
    let oneWayNanoseconds: Int64
    /// Largest jitter either way, in nanoseconds.
    let jitterNanoseconds: Int64
    /// Serialization time of one byte in nanoseconds; nil for an unlimited link.
    let nanosecondsPerByte: Double?
    /// Largest segment the link releases at once: about one millisecond of serialization, at least one
    /// Ethernet frame (1500 bytes), at most 64 KiB. Unlimited links release whole chunks.
    let segmentBytes: Int

    private var random: SplitMix64
    /// When the link finishes serializing what it has been given (nanoseconds, monotonic clock).
    private(set) var linkFreeAt: UInt64 = 0
    /// When the latest segment is released; nothing is released earlier.
    private(set) var lastRelease: UInt64 = 0
    /// Fractional nanoseconds of serialization carried to the next segment so long runs stay exact.
    private var serializationCarry: Double = 0

    /// The schedule of one direction; `stream` tells directions and connections apart so each draws its own
    /// jitter sequence from the profile's seed.
    init(profile: LinkProfile, stream: UInt64) {
        // The profile's fields are public and mutable: out-of-range values are clamped here rather than
        // trusted (a negative delay is zero, a bandwidth below 1 bit/s is 1 bit/s).
        oneWayNanoseconds = max(0, LinkQuantity.nanosecondsOf(profile.oneWayDelay))
        jitterNanoseconds = max(0, LinkQuantity.nanosecondsOf(profile.jitter))
        if let requested = profile.bandwidthBitsPerSecond {
            let bandwidth = max(requested, 1)
            nanosecondsPerByte = 8e9 / Double(bandwidth)
            let perMillisecond = bandwidth / 8 / 1000
            segmentBytes = min(max(perMillisecond, 1500), 65536)
        } else {
            nanosecondsPerByte = nil
            segmentBytes = Int.max
        }
        var seeder = SplitMix64(seed: profile.seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        random = SplitMix64(seed: seeder.next())
    }

    /// Schedules a chunk of `byteCount` bytes read at `arrival` (nanoseconds); calls `segment` with each
    /// segment's length and release time, in order.
    mutating func schedule(byteCount: Int, arrival: UInt64, segment: (_ bytes: Int, _ release: UInt64) -> Void) {
        guard byteCount > 0 else { return }
        let delay = drawDelay()
        var remaining = byteCount
        while remaining > 0 {
            let length = min(remaining, segmentBytes)
            remaining -= length
            let sent = serialize(bytes: length, arrival: arrival)
            let release = max(sent + delay, lastRelease)
            lastRelease = release
            segment(length, release)
        }
    }

    /// When the end of the stream, seen at `arrival`, reaches the other side: after every byte ahead of it
    /// and one propagation delay (a FIN takes no serialization time).
    mutating func scheduleEnd(arrival: UInt64) -> UInt64 {
        let release = max(max(arrival, linkFreeAt) + drawDelay(), lastRelease)
        lastRelease = release
        return release
    }

    private mutating func drawDelay() -> UInt64 {
        guard jitterNanoseconds > 0 else { return UInt64(max(oneWayNanoseconds, 0)) }
        let offset = Int64((random.nextSigned() * Double(jitterNanoseconds)).rounded())
        return UInt64(max(oneWayNanoseconds + offset, 0))
    }

    /// Puts `bytes` on the wire behind whatever is queued; returns when the last bit has left.
    private mutating func serialize(bytes: Int, arrival: UInt64) -> UInt64 {
        let start = max(arrival, linkFreeAt)
        guard let perByte = nanosecondsPerByte else {
            linkFreeAt = start
            return start
        }
        let exact = Double(bytes) * perByte + serializationCarry
        let whole = exact.rounded(.down)
        serializationCarry = exact - whole
        linkFreeAt = start + UInt64(whole)
        return linkFreeAt
    }
}
