import Metrics
import Prometheus

/// The server's Prometheus metrics, through swift-metrics with a registry of the server's own (so two
/// servers in one process, as in tests, never share or double-bootstrap a global metrics system).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let sessionsActive: Gauge
    let sessionsOpened: Counter
    let rounds: Counter
    let proposed: Counter
    let accepted: Counter
    let generated: Counter
    let verifyLatency: Metrics.Timer
    let queueLatency: Metrics.Timer
    private let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                                   .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100),
                                   .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5)]
        factory.defaultDurationHistogramBuckets = buckets
        self.factory = factory
        sessionsActive = Gauge(label: "tandem_sessions_active", factory: factory)
        sessionsOpened = Counter(label: "tandem_sessions_opened_total", factory: factory)
        rounds = Counter(label: "tandem_rounds_total", factory: factory)
        proposed = Counter(label: "tandem_drafts_proposed_total", factory: factory)
        accepted = Counter(label: "tandem_drafts_accepted_total", factory: factory)
        generated = Counter(label: "tandem_tokens_generated_total", factory: factory)
        verifyLatency = Metrics.Timer(label: "tandem_verify_seconds", factory: factory)
        queueLatency = Metrics.Timer(label: "tandem_queue_seconds", factory: factory)
    }

    /// Counts an error frame sent, by code.
    func error(_ code: String) {
        Counter(label: "tandem_errors_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// The Prometheus text exposition.
    func render() -> String {
        registry.emitToString()
    }
}
