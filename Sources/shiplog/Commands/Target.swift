import ArgumentParser
import Foundation
import ShiplogCore
import ShiplogLedger

/// `shiplog target`: where each service runs in each environment, and what watches it.
struct TargetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "target", abstract: "Where a service runs (its ECS service) and which alarms roll it back.",
        subcommands: [Set.self, List.self])
}

extension TargetCommand {
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the ECS service a service deploys to in an environment, and its alarms (admin-signed).",
            discussion: """
                An alarm watches the service when it is named with --alarm, or when its metric carries \
                every --alarm-dimension. An ALARM within --watch of a deploy finishing is held against \
                that deploy; with --auto-rollback (and a policy that allows it) it rolls the deploy back.
                """)

        @Option(help: "The environment, e.g. prod.") var env: String
        @Option(help: "The service, e.g. web.") var service: String
        @Option(name: .customLong("ecs-cluster"), help: "The ECS cluster (name or ARN).") var cluster: String
        @Option(name: .customLong("ecs-service"), help: "The ECS service in that cluster.") var ecsService: String
        @Option(help: "The AWS region (default: the server's AWS_REGION).") var region: String?
        @Option(help: "A CloudWatch alarm watching the service (repeatable).") var alarm: [String] = []
        @Option(name: .customLong("alarm-dimension"), help: "Name=value: alarms on a metric with this dimension watch it (repeatable).")
        var alarmDimension: [String] = []
        @Option(
            parsing: .unconditional, help: "How long after a deploy finishes its alarms count against it (e.g. 30m, 2h).",
            transform: DurationArgument.checked)
        var watch = "30m"
        @Flag(name: .customLong("auto-rollback"), help: "Roll back automatically when a watching alarm fires within the window.")
        var autoRollback = false
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let target = DeployTarget(
                cluster: cluster, ecsService: ecsService, region: region, alarms: try alarm.map(AlarmName.init),
                alarmDimensions: try alarmDimension.map(AlarmDimension.init), watchSeconds: try DurationArgument.seconds(watch),
                autoRollback: autoRollback)
            let (ledger, signer) = try await database.ledger(key)
            try await ledger.run(
                .setTarget(environment: try Environment(env), service: try ServiceName(service), target: target),
                signedWith: signer)
            print(
                "\(service) on \(env) deploys to \(cluster)/\(ecsService)\(region.map { " in \($0)" } ?? "")"
                    + (TargetCommand.watchers(target).map { "; watched by \($0) for \(watch)" } ?? "")
                    + (autoRollback ? ", rolled back automatically" : ""))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every deploy target, with its alarms.")

        @Option(help: "Only this environment.") var env: String?
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let targets = try await database.queries().targets(environment: env)
            if output.json { return try JSONOutput.print(targets.map(TargetRow.init)) }
            guard !targets.isEmpty else { return print("no deploy targets\(env.map { " in \($0)" } ?? ""): set one with shiplog target set") }
            var table = Table("ENV", "SERVICE", "ECS", "REGION", "ALARMS", "WATCH", "AUTO-ROLLBACK", "SET BY")
            for row in targets {
                table.add(
                    row.environment.rawValue, row.service.rawValue, "\(row.target.cluster)/\(row.target.ecsService)",
                    row.target.region ?? "-", TargetCommand.watchers(row.target) ?? "-", "\(row.target.watch / 60)m",
                    row.target.rollsBackAutomatically ? "yes" : "no", row.setBy.name.rawValue)
            }
            print(table.rendered)
        }
    }

    /// `target list --json`: one object per target, every field present.
    struct TargetRow: Encodable {
        var environment: String
        var service: String
        var cluster: String
        var ecsService: String
        var region: String?
        var alarms: [String]
        var alarmDimensions: [String]
        var watchSeconds: Int
        var autoRollback: Bool
        var setBy: String
        var setAt: Date

        init(_ event: LedgerEvent.TargetSet) {
            environment = event.environment.rawValue
            service = event.service.rawValue
            cluster = event.target.cluster
            ecsService = event.target.ecsService
            region = event.target.region
            alarms = (event.target.alarms ?? []).map(\.rawValue)
            alarmDimensions = (event.target.alarmDimensions ?? []).map(\.description)
            watchSeconds = event.target.watch
            autoRollback = event.target.rollsBackAutomatically
            setBy = event.setBy.name.rawValue
            setAt = event.setAt
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(environment, forKey: .environment)
            try container.encode(service, forKey: .service)
            try container.encode(cluster, forKey: .cluster)
            try container.encode(ecsService, forKey: .ecsService)
            try container.encode(region, forKey: .region)
            try container.encode(alarms, forKey: .alarms)
            try container.encode(alarmDimensions, forKey: .alarmDimensions)
            try container.encode(watchSeconds, forKey: .watchSeconds)
            try container.encode(autoRollback, forKey: .autoRollback)
            try container.encode(setBy, forKey: .setBy)
            try container.encode(setAt, forKey: .setAt)
        }

        enum CodingKeys: String, CodingKey {
            case environment, service, cluster, ecsService, region, alarms, alarmDimensions, watchSeconds, autoRollback, setBy, setAt
        }
    }

    /// The alarms and dimensions that watch `target`, as one phrase; nil for none.
    static func watchers(_ target: DeployTarget) -> String? {
        let all = (target.alarms ?? []).map(\.rawValue) + (target.alarmDimensions ?? []).map(\.description)
        return all.isEmpty ? nil : all.joined(separator: ", ")
    }
}
