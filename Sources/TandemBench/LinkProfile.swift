/// The shape of an emulated network link: how long bytes take to cross it and how fast it drains.
///
/// Each direction of a link adds a one-way delay of `rtt / 2`, varied per chunk by up to `jitter` either
/// way, and serializes bytes at `bandwidthBitsPerSecond` (nil means no bandwidth limit). Both directions
/// are independent and each has the full bandwidth, like a full-duplex link.
public struct LinkProfile: Sendable, Hashable, CustomStringConvertible {
    /// Round-trip time added by the link (one-way delay is half of it in each direction).
    public var rtt: Duration
    /// Largest deviation from the one-way delay, drawn uniformly per chunk; never reorders bytes.
    public var jitter: Duration
    /// Link rate in bits per second for each direction; nil means unlimited.
    public var bandwidthBitsPerSecond: Int?
    /// Seed for the jitter draws, so a run can be repeated.
    public var seed: UInt64

    /// A link profile; `rtt` and `jitter` must not be negative and the bandwidth, if given, must be positive.
    public init(rtt: Duration, jitter: Duration = .zero, bandwidthBitsPerSecond: Int? = nil, seed: UInt64 = 0)
        throws(LinkConfigurationError)
    {
        guard rtt >= .zero else { throw .invalidValue("rtt must not be negative (got \(rtt))") }
        guard jitter >= .zero else { throw .invalidValue("jitter must not be negative (got \(jitter))") }
        if let bandwidth = bandwidthBitsPerSecond, bandwidth <= 0 {
            throw .invalidValue("bandwidth must be positive (got \(bandwidth) bit/s)")
        }
        self.rtt = rtt
        self.jitter = jitter
        self.bandwidthBitsPerSecond = bandwidthBitsPerSecond
        self.seed = seed
    }

    /// A link profile from command-line strings, such as `rtt: "50ms", jitter: "5ms", bandwidth: "20mbit"`.
    public init(rtt: String, jitter: String? = nil, bandwidth: String? = nil, seed: UInt64 = 0)
        throws(LinkConfigurationError)
    {
        try self.init(
            rtt: LinkQuantity.duration(rtt, name: "rtt"),
            jitter: try jitter.map { (s) throws(LinkConfigurationError) in try LinkQuantity.duration(s, name: "jitter")
            }
                ?? .zero,
            bandwidthBitsPerSecond: try bandwidth.map { (s) throws(LinkConfigurationError) in
                try LinkQuantity.bandwidth(s, name: "bandwidth")
            },
            seed: seed
        )
    }

    /// A link with no delay and no bandwidth limit: a plain relay.
    public static let transparent = LinkProfile(uncheckedRTT: .zero)

    private init(uncheckedRTT rtt: Duration) {
        self.rtt = rtt
        self.jitter = .zero
        self.bandwidthBitsPerSecond = nil
        self.seed = 0
    }

    /// The mean delay each direction adds.
    public var oneWayDelay: Duration { rtt / 2 }

    /// For logs: `rtt 50ms ± 5ms, 20 Mbit/s`.
    public var description: String {
        var text = "rtt \(LinkQuantity.format(rtt))"
        if jitter > .zero { text += " ± \(LinkQuantity.format(jitter))" }
        if let bandwidth = bandwidthBitsPerSecond {
            text += ", \(LinkQuantity.format(bitsPerSecond: bandwidth))"
        } else {
            text += ", unlimited bandwidth"
        }
        return text
    }
}
