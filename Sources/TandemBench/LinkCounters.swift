/// What a link emulator has relayed so far; a snapshot, safe to keep.
public struct LinkCounters: Sendable, Hashable {
    /// Bytes delivered from clients to the target (after delay and pacing).
    public var bytesUpstream: Int = 0
    /// Bytes delivered from the target back to clients.
    public var bytesDownstream: Int = 0
    /// Client connections accepted since start.
    public var connectionsAccepted: Int = 0
    /// Relayed connections open now (client and target side both still up).
    public var connectionsActive: Int = 0
    /// Client connections closed because the target could not be reached.
    public var upstreamConnectFailures: Int = 0
    /// The latest failure to reach the target, for a log line.
    public var lastUpstreamError: String?
    /// The most bytes ever waiting in one direction of one connection (bounded by the emulator's cap plus
    /// one read).
    public var peakQueuedBytes: Int = 0
    /// Timer wake-ups that released bytes or a close.
    public var releases: Int = 0
    /// The latest any release ran after its scheduled time: the emulator's own timing error, which grows
    /// when the machine is busy. Added to the profile's delay, never subtracted.
    public var maxReleaseLateness: Duration = .zero
    /// Sum of the lateness of all releases (see ``meanReleaseLateness``).
    public var totalReleaseLateness: Duration = .zero

    /// The average timing error per release.
    public var meanReleaseLateness: Duration {
        releases == 0 ? .zero : totalReleaseLateness / releases
    }

    public init() {}
}

/// The direction bytes travel through the emulator.
enum LinkDirectionKind: Sendable {
    /// From the connecting client to the target.
    case upstream
    /// From the target back to the client.
    case downstream
}
