import ArgumentParser

/// How long an ECS rollout may take (`deploy run`, `rollback`).
struct RolloutOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "How long the rollout may take (e.g. 15m).", transform: DurationArgument.checked)
    var timeout = "15m"

    var limit: Duration {
        get throws { .seconds(try DurationArgument.seconds(timeout)) }
    }
}
