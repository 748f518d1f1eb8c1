// swift-tools-version: 6.2
import PackageDescription

// Layout (see README "Code map"):
//   AFKCore       pure decision cores and value types: no I/O, no clock, no globals
//   AFKAdapters   HTTP transport, trackers (GitHub, Forgejo/Gitea), executors (T3, job runner,
//                 Claudomator), deploy-stage probes (Woodpecker, Kubernetes), doorbells, configuration
//   AFKCLI        the tick programs: composition of config -> read -> decide -> act -> report
//   AFKPoller     `afk-poller` @main shim
//   AFKWatcher    `afk-watcher` @main shim
//   AFKOperator   `afk` @main shim (status, explain, check-config)
//   AFKSimulator  stateful simulator of every service afk speaks, over HTTP on 127.0.0.1 (tests, demo)
//   AFKSim        `afk-sim` executable: runs the simulator from the shell
//   AFKTesting    test support: the API route tables the tests check requests and served routes against
let package = Package(
    name: "afk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "afk-poller", targets: ["AFKPoller"]),
        .executable(name: "afk-watcher", targets: ["AFKWatcher"]),
        .executable(name: "afk", targets: ["AFKOperator"]),
        .executable(name: "afk-sim", targets: ["AFKSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // RS256 (RSA PKCS#1 v1.5 over SHA-256) for GitHub App JWTs; already in the graph through
        // async-http-client's swift-certificates, so this adds no new package.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .target(name: "AFKCore"),
        // `--version`: the version number, and the commit embedded at build time by the
        // AFKBuildInfo plugin (reads .git directly, or AFK_BUILD_COMMIT; nothing generated is committed).
        .target(name: "AFKVersion", plugins: ["AFKBuildInfo"]),
        .plugin(name: "AFKBuildInfo", capability: .buildTool(), dependencies: ["AFKBuildInfoTool"]),
        .executableTarget(name: "AFKBuildInfoTool"),
        .target(
            name: "AFKAdapters",
            dependencies: [
                "AFKCore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                // HTTP over SwiftNIO: FoundationNetworking's URLSession funnels every session's work
                // through one serial queue and blocks on it, which stalled concurrent requests.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // The configuration file is read with Yams directly, so that its errors never echo
                // the file (tokens included) and every key can be checked by name and place.
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "AFKCLI",
            dependencies: [
                "AFKCore",
                "AFKAdapters",
                "AFKVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "AFKPoller",
            dependencies: ["AFKCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "AFKWatcher",
            dependencies: ["AFKCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "AFKOperator",
            dependencies: ["AFKCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "AFKSimulator",
            dependencies: [
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                // Verifies the RS256 signature of GitHub App JWTs, as GitHub does.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "AFKSim",
            dependencies: [
                "AFKSimulator", "AFKVersion", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test support shared by the test targets: the API route tables (regenerated by
        // scripts/extract-routes.py from the official descriptions) and their loader.
        .target(
            name: "AFKTesting",
            dependencies: [
                "AFKCore", "AFKAdapters", "AFKCLI", "AFKSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // Generates GitHub App keys at test time (no private key is committed).
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            resources: [.copy("RouteTables")]
        ),
        .testTarget(name: "AFKCoreTests", dependencies: ["AFKCore"]),
        .testTarget(
            name: "AFKAdaptersTests",
            dependencies: [
                "AFKCore", "AFKAdapters", "AFKTesting",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AFKSimulatorTests",
            dependencies: [
                "AFKSimulator", "AFKAdapters", "AFKCore", "AFKTesting", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "AFKEndToEndTests",
            dependencies: [
                "AFKSimulator", "AFKTesting", "AFKCore", "AFKPoller", "AFKWatcher", "AFKOperator", "AFKSim",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(name: "AFKDeployTests", dependencies: ["AFKAdapters", .product(name: "Yams", package: "Yams")]),
    ]
)

for target in package.targets where target.type != .plugin {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
