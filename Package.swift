// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ptune",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ptune", targets: ["ptune"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .target(name: "Base", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "CBF16", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Tensor", dependencies: ["CBLAS", "CBF16"]),
        .target(name: "LM", dependencies: ["Tensor", "Base"]),
        .target(name: "PTuning", dependencies: ["LM", "Tensor", "Base"]),
        .target(name: "Spool", dependencies: ["PTuning", "Tensor", "Base", "CZstd", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(name: "Store", dependencies: ["Base", "CZstd", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Daemon", dependencies: [
            "Spool", "Store", "Base",
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Application", dependencies: ["Base", "Tensor", "LM", "PTuning", "Spool"]),
        .executableTarget(name: "ptune", dependencies: [
            "Application", "LM", "Tensor", "PTuning", "Spool", "Store", "Daemon", "Base",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "TestSupport", dependencies: ["Tensor", "LM", "Base"], path: "Tests/TestSupport"),
        .testTarget(name: "BaseTests", dependencies: ["Base", "TestSupport"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "LMTests", dependencies: ["LM", "Tensor", "Base", "Store", "TestSupport"],
                    exclude: ["ModelFile/Fixtures", "Tokenizer/Fixtures", "Decoder/Fixtures"]),
        .testTarget(name: "PTuningTests", dependencies: ["PTuning", "LM", "Tensor", "Base", "TestSupport"],
                    exclude: ["Encoder/Fixtures"]),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "PTuning", "Tensor", "Base", "CZstd", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "ApplicationTests", dependencies: ["Application", "PTuning", "LM", "Tensor", "Base", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Store", "Spool", "Tensor", "Base", "TestSupport",
                                                   .product(name: "Logging", package: "swift-log"),
                                                   .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
