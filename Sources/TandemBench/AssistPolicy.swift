import TandemDecoding

/// One column of the assisted-decoding benchmark: a window policy, or one of the two baselines.
public enum AssistPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Always `k` drafts per round.
    case fixed(Int)
    /// Start at 2, double after a fully accepted window, halve otherwise (1…8).
    case doubling
    /// Windows bounded at 16 and cut by the confidence stopping rule (`ConfidenceStoppingWindow`;
    /// `ProfiledWindowPolicy` with `stopsOnConfidence` under a cloud profile).
    case adaptive
    /// The adaptive window with early-exit preemptive drafting (`--preemptive`): the server sends a
    /// provisional verdict mid-pass and the client drafts the next window from it meanwhile.
    case adaptivePreemptive
    /// An assisted policy with proactive drafting (`--proactive`): the client drafts the next window
    /// while the current one is being verified (`ProactiveDrafting`).
    indirect case proactive(AssistPolicy)
    /// The server generates every token and streams it (`generate`).
    case cloudOnly
    /// The draft alone on the client; no server.
    case localOnly

    /// The name in rows and tables: "1", "2", …, "doubling", "adaptive", "cloud-only", "local-only".
    public var description: String {
        switch self {
        case .fixed(let k): "\(k)"
        case .doubling: "doubling"
        case .adaptive: "adaptive"
        case .adaptivePreemptive: "adaptive-preemptive"
        case .proactive(let base): "\(base)-proactive"
        case .cloudOnly: "cloud-only"
        case .localOnly: "local-only"
        }
    }

    /// True for the policies that run the assisted generator (not the baselines).
    public var isAssisted: Bool {
        switch self {
        case .fixed, .doubling, .adaptive, .adaptivePreemptive, .proactive: true
        case .cloudOnly, .localOnly: false
        }
    }

    /// The policy without proactive drafting (itself when it has none).
    public var base: AssistPolicy {
        if case .proactive(let base) = self { return base.base }
        return self
    }

    /// True when the client drafts proactively.
    public var isProactive: Bool {
        if case .proactive = self { return true }
        return false
    }

    /// True when the server sends early-exit provisional verdicts (and the client drafts on them).
    public var isPreemptive: Bool { base == .adaptivePreemptive }

    /// The largest window the doubling policy may choose.
    public static let maxAdaptiveWindow = 8
    /// The adaptive policy's largest window (the server's): its stopping rule cuts rounds short, so
    /// the bound can be wide.
    public static let maxStoppingWindow = 16

    /// A fresh window policy for an assisted column (state starts anew for every cell).
    public func windowPolicy(profile: CloudProfile?) -> (any WindowPolicy)? {
        switch self {
        case .fixed(let k): FixedWindow(k)
        case .doubling: DoublingWindow(initial: 2, minWindow: 1, maxWindow: Self.maxAdaptiveWindow)
        case .adaptive, .adaptivePreemptive:
            profile.map {
                ProfiledWindowPolicy(profile: $0, maxWindow: Self.maxStoppingWindow, stopsOnConfidence: true)
            }
                ?? ConfidenceStoppingWindow(costModel: CostModelWindow(minWindow: 1, maxWindow: Self.maxStoppingWindow))
        case .proactive(let base): base.windowPolicy(profile: profile)
        case .cloudOnly, .localOnly: nil
        }
    }
}
