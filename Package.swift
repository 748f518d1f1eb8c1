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
    ],
    targets: [
        .target(name: "AFKCore"),
        .target(
            name: "AFKAdapters",
            dependencies: [
                "AFKCore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                // The configuration file is read with Yams directly, so that its errors never echo
                // the file (tokens included) and every key can be checked by name and place.
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "AFKCLI",
            dependencies: [
                "AFKCore",
                "AFKAdapters",
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
            ]
        ),
        .executableTarget(
            name: "AFKSim",
            dependencies: ["AFKSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "AFKCoreTests", dependencies: ["AFKCore"]),
        .testTarget(
            name: "AFKAdaptersTests",
            dependencies: [
                "AFKCore", "AFKAdapters",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AFKSimulatorTests",
            dependencies: ["AFKSimulator", "AFKAdapters", "AFKCore", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "AFKEndToEndTests",
            dependencies: ["AFKSimulator", "AFKPoller", "AFKWatcher", "AFKOperator", "AFKSim"]
        ),
        .testTarget(name: "AFKDeployTests", dependencies: ["AFKAdapters", .product(name: "Yams", package: "Yams")]),
    ]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
