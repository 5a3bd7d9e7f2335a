import Foundation
import Testing

/// `deploy/cloudformation/shiplog.yml`'s security shape, read as CloudFormation reads it
/// (cfn-lint's decoder turns the YAML and its short tags into JSON).
@Suite("The CloudFormation template's security shape")
struct CloudFormationTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "deploy/cloudformation/shiplog.yml").path

    static func template() throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import json, sys\nfrom cfnlint.decode import decode\ntemplate, problems = decode(sys.argv[1])\nassert not problems, problems\nprint(json.dumps(template))",
            path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "cfn-lint's decoder (pip install cfn-lint) read the template")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func resource(_ template: [String: Any], _ name: String) throws -> [String: Any] {
        try #require((template["Resources"] as? [String: Any])?[name] as? [String: Any], "resource \(name)")
    }

    static func properties(_ template: [String: Any], _ name: String) throws -> [String: Any] {
        try #require(try resource(template, name)["Properties"] as? [String: Any])
    }

    static func ref(_ value: Any?) -> String? { (value as? [String: Any])?["Ref"] as? String }

    @Test("the task role may update and describe the managed services only, and describe task definitions (which cannot be narrowed)")
    func taskRole() throws {
        let template = try Self.template()
        let role = try Self.resource(template, "TaskRole")
        #expect(((role["Metadata"] as? [String: Any])?["Why"] as? String)?.contains("DescribeTaskDefinition") == true)
        let policies = try #require((role["Properties"] as? [String: Any])?["Policies"] as? [[String: Any]])
        var allowed: [String: Any] = [:]
        for policy in policies {
            let statements = try #require((policy["PolicyDocument"] as? [String: Any])?["Statement"] as? [[String: Any]])
            for statement in statements {
                #expect(statement["Effect"] as? String == "Allow")
                let actions = (statement["Action"] as? [String]) ?? [(statement["Action"] as? String) ?? ""]
                for action in actions { allowed[action] = statement["Resource"] }
            }
        }
        #expect(Set(allowed.keys) == ["ecs:UpdateService", "ecs:DescribeServices", "ecs:DescribeTaskDefinition"])
        #expect(Self.ref(allowed["ecs:UpdateService"]) == "ManagedServiceArns")
        #expect(Self.ref(allowed["ecs:DescribeServices"]) == "ManagedServiceArns")
        #expect(allowed["ecs:DescribeTaskDefinition"] as? String == "*")
    }

    @Test("security groups chain the internet to the load balancer, the load balancer to the tasks, the tasks to the database")
    func securityGroups() throws {
        let template = try Self.template()
        func ingress(_ name: String) throws -> [[String: Any]] {
            try #require(try Self.properties(template, name)["SecurityGroupIngress"] as? [[String: Any]])
        }
        let balancer = try ingress("LoadBalancerSecurityGroup")
        #expect(Set(balancer.compactMap { $0["FromPort"] as? Int }) == [80, 443])
        let tasks = try ingress("TaskSecurityGroup")
        #expect(tasks.count == 1)
        #expect(Self.ref(tasks.first?["SourceSecurityGroupId"]) == "LoadBalancerSecurityGroup")
        #expect(tasks.first?["FromPort"] as? Int == 8080)
        #expect(tasks.first?["CidrIp"] == nil)
        let database = try ingress("DatabaseSecurityGroup")
        #expect(database.count == 1)
        #expect(Self.ref(database.first?["SourceSecurityGroupId"]) == "TaskSecurityGroup")
        #expect(database.first?["FromPort"] as? Int == 5432)

        let service = try Self.properties(template, "Service")
        let network = try #require(
            (service["NetworkConfiguration"] as? [String: Any])?["AwsvpcConfiguration"] as? [String: Any])
        #expect(network["AssignPublicIp"] as? String == "DISABLED")
        // Its own private subnets, or the existing VPC's private ones.
        let subnets = try #require((network["Subnets"] as? [String: Any])?["Fn::If"] as? [Any])
        #expect(subnets.first as? String == "UseExistingVpc")
        #expect(Self.ref(subnets.dropFirst().first) == "ExistingPrivateSubnetIds")
        #expect((subnets.last as? [Any])?.compactMap(Self.ref) == ["PrivateSubnetA", "PrivateSubnetB"])
        #expect((network["SecurityGroups"] as? [Any])?.compactMap(Self.ref) == ["TaskSecurityGroup"])
    }

    @Test("secrets reach the tasks from Secrets Manager, never as plain environment values; only the execution role reads them")
    func secrets() throws {
        let template = try Self.template()
        let container = try #require(
            (try Self.properties(template, "ServerTaskDefinition")["ContainerDefinitions"] as? [[String: Any]])?.first)
        let secrets = try #require(container["Secrets"] as? [[String: Any]])
        #expect(
            Set(secrets.compactMap { $0["Name"] as? String })
                == ["DATABASE_URL", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SHIPLOG_BOT_KEY_CONTENT"])
        let plain = Set(((container["Environment"] as? [[String: Any]]) ?? []).compactMap { $0["Name"] as? String })
        #expect(plain.isDisjoint(with: ["DATABASE_URL", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SHIPLOG_BOT_KEY_CONTENT"]))
        let execution = try Self.properties(template, "ExecutionRole")
        let statement = try #require(
            ((execution["Policies"] as? [[String: Any]])?.first?["PolicyDocument"] as? [String: Any])?["Statement"] as? [[String: Any]])
        #expect(statement.first?["Action"] as? String == "secretsmanager:GetSecretValue")
        #expect(
            Set((statement.first?["Resource"] as? [Any])?.compactMap(Self.ref) ?? [])
                == ["DatabaseUrlSecret", "SlackSecret", "BotKeySecret"])
        let task = try Self.properties(template, "TaskRole")
        #expect("\(task)".contains("secretsmanager") == false, "the running server reads no secret itself")
    }

    @Test("the database is encrypted, private, backed up, and in production Multi-AZ with deletion protection")
    func database() throws {
        let template = try Self.template()
        let resource = try Self.resource(template, "Database")
        #expect(resource["DeletionPolicy"] as? String == "Snapshot")
        let database = try Self.properties(template, "Database")
        #expect(database["StorageEncrypted"] as? Bool == true)
        #expect(database["PubliclyAccessible"] as? Bool == false)
        let backups = try #require((database["BackupRetentionPeriod"] as? [String: Any])?["Fn::If"] as? [Any])
        #expect(backups.dropFirst().compactMap { $0 as? Int }.allSatisfy { $0 >= 7 })
        for setting in ["MultiAZ", "DeletionProtection"] {
            let choice = try #require((database[setting] as? [String: Any])?["Fn::If"] as? [Any])
            #expect(choice.first as? String == "IsProduction")
            #expect(choice.dropFirst().first as? Bool == true, "\(setting) in production")
        }
        #expect("\(database["MasterUserPassword"] ?? "")".contains("resolve:secretsmanager"), "the password is never in the template")
    }

    @Test("the load balancer listens with HTTPS and routes Shiplog's doors, and HTTP only redirects")
    func loadBalancer() throws {
        let template = try Self.template()
        let https = try Self.properties(template, "HttpsListener")
        #expect(https["Protocol"] as? String == "HTTPS")
        #expect(Self.ref((https["Certificates"] as? [[String: Any]])?.first?["CertificateArn"]) == "CertificateArn")
        let http = try Self.properties(template, "HttpListener")
        #expect((http["DefaultActions"] as? [[String: Any]])?.first?["Type"] as? String == "redirect")
        let rule = try Self.properties(template, "ShiplogRoutes")
        let paths = try #require(
            ((rule["Conditions"] as? [[String: Any]])?.first?["PathPatternConfig"] as? [String: Any])?["Values"] as? [String])
        #expect(Set(paths) == ["/slack/*", "/hooks/*", "/v1/*", "/healthz"])
        let outputs = try #require(template["Outputs"] as? [String: Any])
        #expect(outputs["SlackCommandsUrl"] != nil && outputs["SlackInteractionsUrl"] != nil && outputs["AlarmTopicArn"] != nil)
    }

    @Test("the stack creates in moto's CloudFormation, staging and production, in a VPC of its own or an existing one")
    func createsInMoto() throws {
        let moto = try #require(
            ProcessInfo.processInfo.environment["SHIPLOG_TEST_MOTO"],
            "SHIPLOG_TEST_MOTO is not set: run the tests with make test (scripts/with-test-moto.sh starts moto_server)")
        let script = URL(fileURLWithPath: Self.path).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "scripts/cfn-moto.py").path
        for (stage, vpc) in [("staging", "new"), ("production", "new"), ("staging", "existing")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, moto, Self.path, stage, vpc]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "moto created the \(stage) stack")
            let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(result["status"] as? String == "CREATE_COMPLETE")
            let created = try #require(result["created"] as? [String: Int])
            #expect((created["AWS::EC2::VPC"] != nil) == (vpc == "new"), "a VPC of its own only when none is given")
            for type in [
                "AWS::EC2::SecurityGroup", "AWS::RDS::DBInstance", "AWS::ECS::Service", "AWS::ECS::TaskDefinition",
                "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::IAM::Role",
                "AWS::SNS::Topic", "AWS::Logs::LogGroup",
            ] {
                #expect(created[type] != nil, "moto built \(type)")
            }
            #expect(created["AWS::ECS::TaskDefinition"] == 2, "the server and the migration task")
            let outputs = try #require(result["outputs"] as? [String: String])
            #expect(outputs["SlackCommandsUrl"] == "https://shiplog.example.com/slack/commands")
            #expect(outputs["AlarmTopicArn"].map { $0.contains(":shiplog-\(stage)-") && $0.hasSuffix("-alarms") } == true)
        }
    }
}
