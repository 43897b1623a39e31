import TandemSecurity
import TandemUtilities

/// What every connection of one server shares.
struct ServerContext: Sendable {
    let model: TargetModel
    let limits: ServerLimits
    let faults: FaultInjection
    let slots: SessionSlots
    let metrics: ServerMetrics
    let load: LoadTracker
    /// The clock idle timeouts are measured on (`ContinuousClock` unless a test injects one).
    let clock: ElapsedClock
    /// The shared secret `opened` proves possession of, when the server was given one.
    var secret: VerifierSecret? = nil
    /// API keys, per-key quotas and the server's rate caps.
    let access: AccessControl
}
