import ArgumentParser
import Foundation
import ShiplogAWS
import ShiplogCore
import ShiplogHTTP
import ShiplogLedger

/// `shiplog deploy`: a deploy's life, from request through the gate to its outcome.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Request, approve and record deploys; ask the gate.",
        subcommands: [
            Request.self, Approve.self, Reject.self, Gate.self, Wait.self, Start.self, Run.self, Succeed.self, Fail.self, Cancel.self,
        ])

    /// Exit status of `deploy gate` (and `deploy start`) when the gate is closed.
    static let gateClosedExitCode: Int32 = 3
}

extension DeployCommand {
    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Request a deploy and print its id.")

        @Option(help: "The service, e.g. web.") var service: String
        @Option(help: "The environment, e.g. prod.") var env: String
        @Option(help: "The version to deploy (a recorded build).") var version: String
        @Option(help: "The artifact digest (default: the recorded build's).") var artifact: String?
        @Option(help: "Why.") var reason: String?
        @Flag(name: .customLong("allow-unrecorded"), help: "Allow an artifact with no recorded build (flagged in every view).")
        var allowUnrecorded = false
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        struct Report: Encodable { var id: String }

        func run() async throws {
            let (ledger, signer) = try await database.client(key)
            let id = try await ledger.requestDeploy(
                service: service, environment: env, version: version, artifact: artifact, reason: reason,
                allowUnrecorded: allowUnrecorded, key: signer)
            if output.json { try JSONOutput.print(Report(id: id.rawValue)) } else { print(id) }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign an approval of this exact deploy (service, version, artifact) with your key.")
        @Argument(help: "The deploy id.") var id: String
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.client(key)
            try await ledger.approve(id, key: signer, for: .signer)
            print("approved \(id)")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a requested deploy (final).")
        @Argument(help: "The deploy id.") var id: String
        @Option(help: "Why.") var reason: String
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.client(key)
            try await ledger.reject(id, reason: reason, key: signer)
            print("rejected \(id)")
        }
    }

    struct Gate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "May this deploy start? Exit 0: yes; exit 3: no, with every reason.")
        @Argument(help: "The deploy id.") var id: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let decision = try await database.client().gateReport(id)
            if output.json {
                try JSONOutput.print(decision)
            } else if decision.allowed {
                print("gate open: \(decision.approvals) of \(decision.required) approvals (\(decision.approvedBy.joined(separator: ", ")))")
            } else {
                print("gate closed:")
                for reason in decision.reasons { print("  - \(TerminalText.escaped(reason))") }
            }
            if !decision.allowed { throw ExitCode(DeployCommand.gateClosedExitCode) }
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait for the gate to open, saying who still has to approve; for pipelines.",
            discussion: """
                Asks the gate every --interval seconds and prints what it still waits for whenever that \
                changes. Exit 0 when the gate opens; 3 when --timeout passes first; 1 when the deploy is \
                rejected, cancelled or already started meanwhile.
                """)
        @Argument(help: "The deploy id.") var id: String
        @Option(parsing: .unconditional, help: "How long to wait (e.g. 30m).", transform: DurationArgument.checked)
        var timeout = "30m"
        @Option(
            parsing: .unconditional, help: "Seconds between two looks at the gate.",
            transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
        var interval = 5
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let ledger = try await database.client()
            let deadline = Date().addingTimeInterval(TimeInterval(try DurationArgument.seconds(timeout)))
            var said = ""
            while true {
                let gate = try await ledger.gateReport(id)
                if gate.status != "requested" {
                    throw LedgerError(.wrongState, "deploy \(id) is \(gate.status): there is no gate left to wait for")
                }
                if gate.allowed {
                    print("gate open: \(gate.approvals) of \(gate.required) approvals (\(gate.approvedBy.joined(separator: ", ")))")
                    return
                }
                let candidates = gate.mayApprove
                let line =
                    "waiting: " + gate.reasons.joined(separator: "; ")
                    + (candidates.isEmpty ? "" : " — may approve: \(candidates.joined(separator: ", "))")
                if line != said {
                    print(TerminalText.escaped(line))
                    said = line
                }
                guard Date().addingTimeInterval(TimeInterval(interval)) < deadline else {
                    print("gate still closed after \(timeout)")
                    throw ExitCode(DeployCommand.gateClosedExitCode)
                }
                try await Task.sleep(for: .seconds(interval))
            }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that the deploy starts; refused (exit 3) unless the gate is open.")
        @Argument(help: "The deploy id.") var id: String
        @Flag(name: .customLong("break-glass"), help: "Start past the gate (admin key and --reason required; flagged everywhere).")
        var breakGlass = false
        @Option(help: "Why glass is broken.") var reason: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if breakGlass && (reason ?? "").isEmpty {
                throw ValidationError("--break-glass needs --reason: say why the gate is bypassed")
            }
        }

        func run() async throws {
            // A closed gate is an error of kind .gateClosed: exit 3 (Shiplog.exitCode(for:)).
            let (ledger, signer) = try await database.client(key)
            try await ledger.start(id, breakGlassReason: breakGlass ? reason : nil, key: signer)
            print("started \(id)\(breakGlass ? " (BREAK-GLASS)" : "")")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Carry out the deploy on ECS: start it (gate checked), update the service, follow the rollout, record the outcome.",
            discussion: """
                Records DeployStarted with the task definition the service runs now (the rollback \
                point), calls UpdateService with the build's task definition, follows DescribeServices \
                until the rollout completes, fails or times out, and records DeploySucceeded or \
                DeployFailed. Exit 0 when it succeeded, 3 when the gate is closed, 1 when the rollout \
                failed (recorded). AWS settings: AWS_REGION (or the target's region), AWS_ACCESS_KEY_ID / \
                AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the ECS container credentials, and \
                SHIPLOG_AWS_ENDPOINT to point every AWS call elsewhere (tests use moto_server).
                """)
        @Argument(help: "The deploy id.") var id: String
        @OptionGroup var rollout: RolloutOptions
        @Option(
            parsing: .unconditional, help: "How often to ask ECS about the rollout (seconds).",
            transform: { try WholeNumberArgument.parse($0, atLeast: 1) })
        var poll = 5
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (ledger, signer) = try await database.ledger(key)
            var runner = DeployRunner(ledger: ledger, ecs: try ECSClient.fromEnvironment())
            runner.rolloutLimit = try rollout.limit
            runner.pollInterval = .seconds(poll)
            runner.logger.logLevel = .warning  // the command prints what happened itself
            let outcome = try await runner.run(id, key: signer)
            if output.json {
                try JSONOutput.print(Report(outcome))
            } else {
                print(
                    "\(id): \(outcome.cluster)/\(outcome.ecsService) from \(ECSTaskDefinitionName.short(outcome.previousTaskDefinition)) "
                        + "to \(ECSTaskDefinitionName.short(outcome.taskDefinition))")
                print(outcome.failure.map { "failed: \($0)" } ?? "succeeded: the rollout completed")
            }
            if let failure = outcome.failure { throw Failed(description: "deploy \(id) failed (recorded): \(failure)") }
        }

        /// A rollout that failed: recorded on the ledger, and exit 1.
        struct Failed: ClassifiedError {
            var description: String
            var kind: ErrorKind { .refused }
        }

        struct Report: Encodable {
            var id: String
            var cluster: String
            var ecsService: String
            var previousTaskDefinition: String
            var taskDefinition: String
            var outcome: String
            var reason: String?

            init(_ outcome: DeployRunner.Outcome) {
                id = outcome.deployID
                cluster = outcome.cluster
                ecsService = outcome.ecsService
                previousTaskDefinition = outcome.previousTaskDefinition
                taskDefinition = outcome.taskDefinition
                self.outcome = outcome.succeeded ? "succeeded" : "failed"
                reason = outcome.failure
            }
        }
    }

    struct Succeed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that the deploy succeeded.")
        @Argument(help: "The deploy id.") var id: String
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.client(key)
            try await ledger.succeed(id, key: signer)
            print("succeeded \(id)")
        }
    }

    struct Fail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that the deploy failed.")
        @Argument(help: "The deploy id.") var id: String
        @Option(help: "What went wrong.") var reason: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.client(key)
            try await ledger.fail(id, reason: reason, key: signer)
            print("failed \(id)")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a deploy that has not started.")
        @Argument(help: "The deploy id.") var id: String
        @Option(help: "Why.") var reason: String?
        @OptionGroup var key: KeyOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (ledger, signer) = try await database.client(key)
            try await ledger.cancel(id, reason: reason, key: signer)
            print("cancelled \(id)")
        }
    }
}
