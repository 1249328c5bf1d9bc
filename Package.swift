// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ptune",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ptune", targets: ["ptune"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .target(name: "Tensor", dependencies: ["CBLAS"]),
        .target(name: "LM", dependencies: ["Tensor"]),
        .executableTarget(name: "ptune", dependencies: [
            "LM", "Tensor",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "LMTests", dependencies: ["LM", "Tensor"], exclude: ["Tokenizer/Fixtures"]),
    ]
)
