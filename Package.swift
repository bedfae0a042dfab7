// swift-tools-version:6.1
// CreditEngine: credit scoring and risk engine.
//
// Layout (see README.md): pure computation targets at the core, adapters
// (CSV, batch pipeline) around them, and the thin `credit` executable on top.
// Arrows point inward only; `Tests/CreditCoreTests/ImportRulesTests.swift`
// enforces the allowed imports of every target.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "CreditEngine",
    products: [
        .library(name: "CreditEngine", targets: ["CreditEngine"]),
        .library(name: "CreditBatch", targets: ["CreditBatch"]),
        .executable(name: "credit", targets: ["credit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // MARK: - System libraries

        .systemLibrary(
            name: "CLAPACK",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .systemLibrary(name: "CGlibcMalloc"),

        // MARK: - Pure core

        .target(
            name: "CreditLinearAlgebra",
            dependencies: ["CLAPACK"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditStats",
            dependencies: ["CreditCore", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditModels",
            dependencies: [
                "CreditCore", "CreditStats", "CreditLinearAlgebra",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditAudit",
            dependencies: ["CreditCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditRules",
            dependencies: ["CreditCore", "CreditAudit", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditEngine",
            dependencies: ["CreditCore", "CreditStats", "CreditModels", "CreditAudit", "CreditRules"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Adapters

        .target(
            name: "CreditCSV",
            dependencies: ["CreditCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditSQLite",
            dependencies: ["CreditCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditBatch",
            dependencies: ["CreditEngine", "CreditCSV", "CreditSQLite", "CreditAudit"],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "CreditInterchange",
            dependencies: ["CreditEngine", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditStore",
            dependencies: [
                "CreditCore",
                "CreditAudit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditAMQP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CreditServer",
            dependencies: [
                "CreditEngine", "CreditBatch", "CreditStore", "CreditAMQP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["asyncapi.yaml"],
            resources: [.embedInCode("openapi.yaml")],
            swiftSettings: swiftSettings
        ),

        // MARK: - Executable

        .executableTarget(
            name: "credit",
            dependencies: [
                "CreditBatch", "CreditServer", "CreditStore", "CreditInterchange", "CGlibcMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests

        .target(
            name: "CreditTestSupport",
            dependencies: ["CreditCore"],
            path: "Tests/CreditTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditLinearAlgebraTests",
            dependencies: ["CreditLinearAlgebra", "CreditTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditCoreTests",
            dependencies: ["CreditCore", "CreditTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditStatsTests",
            dependencies: ["CreditStats", "CreditTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditModelsTests",
            dependencies: ["CreditModels", "CreditTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditRulesTests",
            dependencies: ["CreditRules", "CreditTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditEngineTests",
            dependencies: ["CreditEngine", "CreditTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditAuditTests",
            dependencies: ["CreditAudit", "CreditTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditStoreTests",
            dependencies: ["CreditStore", "CreditAudit", "CreditTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditAMQPTests",
            dependencies: [
                "CreditAMQP", "CreditTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditCSVTests",
            dependencies: ["CreditCSV", "CreditTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditBatchTests",
            dependencies: ["CreditBatch", "CreditAudit", "CreditTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditServerTests",
            dependencies: [
                "credit", "CreditServer", "CreditAMQP", "CreditBatch", "CreditAudit", "CreditTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Clients"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditInterchangeTests",
            dependencies: [
                "CreditInterchange", "CreditEngine", "CreditTestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CreditCLITests",
            dependencies: ["credit", "CreditTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
