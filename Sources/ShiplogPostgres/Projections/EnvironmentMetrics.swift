import Foundation

/// The four DORA metrics of one environment over a window, with the counts behind them.
///
/// - Deploy frequency: deploys that succeeded in the window, per day.
/// - Lead time: from the build being recorded to its deploy succeeding (median).
/// - Change failure rate: of the deploys that finished (succeeded or failed) in the window,
///   the share that failed or were rolled back.
/// - Time to restore: from an incident (a failed deploy, or an alarm-triggered rollback
///   starting) to the next success of that service there (a deploy succeeding or a rollback
///   completing), by the end of the window.
public struct EnvironmentMetrics: Sendable, Hashable, Codable {
    public var environment: String
    public var since: Date
    public var until: Date
    public var days: Double
    /// Deploys that succeeded in the window.
    public var deploys: Int
    public var deployFrequencyPerDay: Double
    /// Nil when no succeeded deploy had a recorded build.
    public var leadTimeMedianSeconds: Double?
    /// Succeeded deploys with a recorded build: the lead-time sample.
    public var leadTimeSamples: Int
    /// Deploys that succeeded or failed in the window.
    public var finishedDeploys: Int
    /// Of those, the ones that failed or were rolled back.
    public var failedDeploys: Int
    /// `failedDeploys / finishedDeploys`, nil when nothing finished.
    public var changeFailureRate: Double?
    /// Failed deploys and alarm-triggered rollbacks that began in the window.
    public var incidents: Int
    /// Of those, the ones restored by the end of the window.
    public var restoredIncidents: Int
    public var timeToRestoreMeanSeconds: Double?
    public var timeToRestoreMedianSeconds: Double?
}
