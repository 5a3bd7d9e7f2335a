import Foundation

/// The server's AWS settings from its environment: the default region (`AWS_REGION`, then
/// `AWS_DEFAULT_REGION`) and `SHIPLOG_AWS_ENDPOINT`, which replaces every AWS endpoint (ECS,
/// and the SNS certificate fetch) — tests point it at moto_server on loopback.
public struct AWSSettings: Sendable, Hashable {
    public var defaultRegion: String?
    public var endpoint: String?

    public init(defaultRegion: String? = nil, endpoint: String? = nil) {
        self.defaultRegion = defaultRegion
        self.endpoint = endpoint
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> AWSSettings {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return AWSSettings(
            defaultRegion: value("AWS_REGION") ?? value("AWS_DEFAULT_REGION"), endpoint: value("SHIPLOG_AWS_ENDPOINT"))
    }

    /// `explicit` (a target's or `--region`), else the default; throws with what to set.
    public func region(_ explicit: String?) throws -> String {
        guard let region = explicit ?? defaultRegion else {
            throw AWSError(
                .missingRegion, "no AWS region: give the target one (shiplog target set --region) or set AWS_REGION")
        }
        return region
    }

    /// Where `service`'s API is in `region`: `https://<service>.<region>.amazonaws.com/`, or
    /// the override.
    public func endpoint(service: String, region: String) -> String {
        if let endpoint { return endpoint.hasSuffix("/") ? endpoint : endpoint + "/" }
        return "https://\(service).\(region).amazonaws.com\(region.hasPrefix("cn-") ? ".cn" : "")/"
    }
}
