import Metrics
import Prometheus

/// The server's Prometheus metrics, through swift-metrics with a registry of the server's own (so two
/// servers in one process, as in tests, never share or double-bootstrap a global metrics system).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let sessionsActive: Metrics.Gauge
    let sessionsOpened: Metrics.Counter
    let rounds: Metrics.Counter
    let proposed: Metrics.Counter
    let accepted: Metrics.Counter
    let generated: Metrics.Counter
    let verifyLatency: Metrics.Timer
    let queueLatency: Metrics.Timer
    private let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100),
            .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
        ]
        factory.defaultDurationHistogramBuckets = buckets
        self.factory = factory
        sessionsActive = Metrics.Gauge(label: "tandem_sessions_active", factory: factory)
        sessionsOpened = Metrics.Counter(label: "tandem_sessions_opened_total", factory: factory)
        rounds = Metrics.Counter(label: "tandem_rounds_total", factory: factory)
        proposed = Metrics.Counter(label: "tandem_drafts_proposed_total", factory: factory)
        accepted = Metrics.Counter(label: "tandem_drafts_accepted_total", factory: factory)
        generated = Metrics.Counter(label: "tandem_tokens_generated_total", factory: factory)
        verifyLatency = Metrics.Timer(label: "tandem_verify_seconds", factory: factory)
        queueLatency = Metrics.Timer(label: "tandem_queue_seconds", factory: factory)
    }

    /// Counts an error frame sent, by code.
    func error(_ code: String) {
        Metrics.Counter(label: "tandem_errors_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// Counts a `provisional` frame sent (early-exit preemptive drafting).
    func provisionalSent() {
        Metrics.Counter(label: "tandem_provisionals_sent_total", factory: factory).increment()
    }

    /// The Prometheus text exposition.
    func render() -> String {
        registry.emitToString()
    }
}
