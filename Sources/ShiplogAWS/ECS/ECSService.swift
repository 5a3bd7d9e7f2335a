import Foundation

/// An ECS service as `DescribeServices` and `UpdateService` describe it: the fields Shiplog reads.
public struct ECSService: Sendable, Hashable, Decodable {
    public var serviceName: String?
    public var serviceArn: String?
    public var status: String?
    /// The task definition the service is set to run (what a rollback returns to).
    public var taskDefinition: String
    public var desiredCount: Int?
    public var runningCount: Int?
    public var deployments: [ECSDeployment]?

    /// The deployment rolling out `taskDefinition`, else the PRIMARY one (moto leaves its
    /// first deployment in place after an update).
    public func deployment(of taskDefinition: String) -> ECSDeployment? {
        let all = deployments ?? []
        return all.first { $0.taskDefinition.map { ECSTaskDefinitionName.same($0, taskDefinition) } == true && $0.status == "PRIMARY" }
            ?? all.first { $0.status == "PRIMARY" }
    }
}

/// One of a service's deployments.
public struct ECSDeployment: Sendable, Hashable, Decodable {
    public var id: String?
    /// PRIMARY, ACTIVE or INACTIVE.
    public var status: String?
    public var taskDefinition: String?
    /// IN_PROGRESS, COMPLETED or FAILED (services with the rolling update controller).
    public var rolloutState: String?
    public var rolloutStateReason: String?
    public var desiredCount: Int?
    public var runningCount: Int?
    public var failedTasks: Int?
}

/// Task definitions as ECS names them: a full ARN
/// (`arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42`) or `family:revision`. ECS (and
/// moto) keep whichever form they were given, so two names are compared by family and revision.
public enum ECSTaskDefinitionName {
    /// `web:42` of either form.
    public static func short(_ name: String) -> String {
        guard let slash = name.range(of: "task-definition/") else { return name }
        return String(name[slash.upperBound...])
    }

    /// Whether `a` and `b` name the same revision (a bare family matches any of its revisions).
    public static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (short(a), short(b))
        if x == y { return true }
        let family = { (text: String) in text.split(separator: ":").first.map(String.init) ?? text }
        return (!x.contains(":") || !y.contains(":")) && family(x) == family(y)
    }
}
