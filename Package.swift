// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "shiplog",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "shiplog", targets: ["shiplog"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // RSA (SNS message signatures) and X.509 (their certificates): libsodium has neither.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    ],
    targets: [
        // C libraries named by the product. Each is wrapped once, in one Swift module.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),

        // The domain: pure values, no I/O.
        .target(name: "ShiplogCore"),
        .target(name: "ShiplogCrypto", dependencies: ["CSodium"]),
        .target(
            name: "ShiplogPostgres",
            dependencies: [
                "CLibPQ", "ShiplogCore", "ShiplogCrypto",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        .target(name: "ShiplogHTTP", dependencies: ["CCurl"]),
        // AWS: ECS (deploy and roll back), over the libcurl client and its SigV4.
        .target(
            name: "ShiplogAWS",
            dependencies: [
                "ShiplogCore", "ShiplogLedger", "ShiplogHTTP", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]),
        // Slack's wire: request verification, forms, the /shiplog grammar.
        .target(name: "ShiplogSlack", dependencies: ["ShiplogCrypto"]),
        // `shiplog serve`: the HTTP doors (Slack, health, metrics) and the background services.
        .target(
            name: "ShiplogServer",
            dependencies: [
                "ShiplogCore", "ShiplogCrypto", "ShiplogPostgres", "ShiplogLedger", "ShiplogSlack", "ShiplogHTTP", "ShiplogAWS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            plugins: ["EmbedMigrations"]),
        // The application layer: the ledger's commands and queries over a storage protocol,
        // with PostgreSQL and in-memory storage.
        .target(
            name: "ShiplogLedger",
            dependencies: [
                "ShiplogCore", "ShiplogCrypto", "ShiplogPostgres", "ShiplogHTTP", .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "shiplog",
            dependencies: [
                "ShiplogCore", "ShiplogCrypto", "ShiplogPostgres", "ShiplogLedger", "ShiplogHTTP", "ShiplogServer", "ShiplogSlack",
                "ShiplogAWS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // migrations/*.sql are compiled into ShiplogPostgres, so the binary carries its schema.
        .executableTarget(name: "EmbedMigrationsTool"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["EmbedMigrationsTool"]),

        // A fresh database per test in the throwaway PostgreSQL `make test` starts.
        .target(name: "ShiplogTestSupport", dependencies: ["ShiplogPostgres"], path: "Tests/ShiplogTestSupport"),

        // Golden/ holds one payload file per event type, read by path (EventGoldenTests).
        .testTarget(name: "ShiplogCoreTests", dependencies: ["ShiplogCore"], exclude: ["Golden"]),
        .testTarget(name: "ShiplogCryptoTests", dependencies: ["ShiplogCrypto"]),
        .testTarget(name: "ShiplogHTTPTests", dependencies: ["ShiplogHTTP"]),
        .testTarget(name: "ShiplogSlackTests", dependencies: ["ShiplogSlack"]),
        .testTarget(
            name: "ShiplogAWSTests",
            dependencies: [
                "ShiplogAWS", "ShiplogHTTP", "ShiplogLedger", "ShiplogPostgres", "ShiplogCore", "ShiplogCrypto", "ShiplogTestSupport",
                "ShiplogServer", "ShiplogSlack", .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(
            name: "ShiplogServerTests",
            dependencies: [
                "ShiplogServer", "ShiplogSlack", "ShiplogLedger", "ShiplogPostgres", "ShiplogCore", "ShiplogCrypto",
                "ShiplogTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        .testTarget(
            name: "ShiplogPostgresTests",
            dependencies: [
                "ShiplogPostgres", "ShiplogLedger", "ShiplogCore", "ShiplogCrypto", "ShiplogTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "ShiplogCLITests",
            dependencies: [
                "shiplog", "ShiplogPostgres", "ShiplogTestSupport", "ShiplogHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
