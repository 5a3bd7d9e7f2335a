import CoreMetrics
import Metrics
import Prometheus

/// The process's metrics: swift-metrics, exported in Prometheus text at `GET /metrics`.
/// Bootstrapped once per process (swift-metrics allows one backend).
public enum ServerMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Events not yet applied to the projections, as of the last `/readyz` or `/metrics`.
    static let projectorLag = CoreMetrics.Gauge(label: "shiplog_projector_lag_events")

    /// Commands (and projector stretches) read going on from the server's judged trust
    /// streams, or judged from the start, and how often the trust streams were judged
    /// (`JudgedTrust`), as of the last `/metrics`.
    static let judgedFromTrust = CoreMetrics.Gauge(label: "shiplog_commands_read", dimensions: [("from", "judged_trust")])
    static let judgedFromTheStart = CoreMetrics.Gauge(label: "shiplog_commands_read", dimensions: [("from", "the_start")])
    static let trustJudged = CoreMetrics.Gauge(label: "shiplog_trust_streams_judged")

    /// Slash commands acknowledged before their answer was ready (answered via response_url).
    static let lateAnswers = CoreMetrics.Counter(label: "shiplog_slack_late_answers_total")

    /// CloudWatch alarms received through SNS and acted on; SNS messages refused.
    static let alarms = CoreMetrics.Counter(label: "shiplog_alarms_total")
    static let snsRefused = CoreMetrics.Counter(label: "shiplog_sns_refused_total")
}
