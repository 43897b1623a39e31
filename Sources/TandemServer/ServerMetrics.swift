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
    /// Continuous batching: sessions and new positions per pass, per-pass time, time a request
    /// waited for its pass, and the bytes all KV caches hold under the budget.
    let batchSessions: Metrics.Recorder
    let batchPositions: Metrics.Recorder
    let passSeconds: Metrics.Timer
    let batchQueueSeconds: Metrics.Timer
    let kvBytesUsed: Metrics.Gauge
    private let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100),
            .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
        ]
        factory.defaultDurationHistogramBuckets = buckets
        factory.valueHistogramBuckets = [
            "tandem_batch_sessions": [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64],
            "tandem_batch_positions": [1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 256, 512, 1024],
        ]
        self.factory = factory
        sessionsActive = Metrics.Gauge(label: "tandem_sessions_active", factory: factory)
        sessionsOpened = Metrics.Counter(label: "tandem_sessions_opened_total", factory: factory)
        rounds = Metrics.Counter(label: "tandem_rounds_total", factory: factory)
        proposed = Metrics.Counter(label: "tandem_drafts_proposed_total", factory: factory)
        accepted = Metrics.Counter(label: "tandem_drafts_accepted_total", factory: factory)
        generated = Metrics.Counter(label: "tandem_tokens_generated_total", factory: factory)
        verifyLatency = Metrics.Timer(label: "tandem_verify_seconds", factory: factory)
        queueLatency = Metrics.Timer(label: "tandem_queue_seconds", factory: factory)
        batchSessions = Metrics.Recorder(label: "tandem_batch_sessions", aggregate: true, factory: factory)
        batchPositions = Metrics.Recorder(label: "tandem_batch_positions", aggregate: true, factory: factory)
        passSeconds = Metrics.Timer(label: "tandem_pass_seconds", factory: factory)
        batchQueueSeconds = Metrics.Timer(label: "tandem_batch_queue_seconds", factory: factory)
        kvBytesUsed = Metrics.Gauge(label: "tandem_kv_bytes_used", factory: factory)
    }

    /// Counts an error frame sent, by code.
    func error(_ code: String) {
        Metrics.Counter(label: "tandem_errors_total", dimensions: [("code", code)], factory: factory).increment()
    }

    /// Counts a `provisional` frame sent (early-exit preemptive drafting).
    func provisionalSent() {
        Metrics.Counter(label: "tandem_provisionals_sent_total", factory: factory).increment()
    }

    /// Counts a request refused before any key was known (`missing_key`, `invalid_key`).
    func authRefused(_ reason: String) {
        Metrics.Counter(label: "tandem_auth_refusals_total", dimensions: [("reason", reason)], factory: factory)
            .increment()
    }

    /// Counts a request or WebSocket upgrade admitted under the key named `name`.
    func keyRequest(_ name: String) {
        Metrics.Counter(label: "tandem_key_requests_total", dimensions: [("key", name)], factory: factory).increment()
    }

    /// The sessions open under the key named `name`.
    func keySessionsOpen(_ name: String, _ count: Int) {
        Metrics.Gauge(label: "tandem_key_sessions_open", dimensions: [("key", name)], factory: factory).record(count)
    }

    /// Counts tokens produced for the key named `name`.
    func keyTokens(_ name: String, _ count: Int) {
        Metrics.Counter(label: "tandem_key_tokens_total", dimensions: [("key", name)], factory: factory)
            .increment(by: count)
    }

    /// Counts a refusal (a limit reached) by key name (`-` without keys) and reason.
    func keyRefused(_ name: String?, _ reason: String) {
        Metrics.Counter(
            label: "tandem_key_refusals_total", dimensions: [("key", name ?? "-"), ("reason", reason)],
            factory: factory
        ).increment()
    }

    /// Records one batched pass.
    func record(_ pass: PassReport) {
        batchSessions.record(pass.sessions)
        batchPositions.record(pass.positions)
        passSeconds.recordNanoseconds(Int64(pass.passSeconds * 1e9))
        for q in pass.queueSeconds { batchQueueSeconds.recordNanoseconds(Int64(q * 1e9)) }
    }

    /// The Prometheus text exposition.
    func render() -> String {
        registry.emitToString()
    }
}
