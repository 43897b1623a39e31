// swift-tools-version:6.0
import PackageDescription

// Layering (arrows point down only; see ARCHITECTURE.md):
// tandem → TandemBench (experiments; nothing below imports it)
// tandem → TandemModel / TandemTokenizer → TandemKernels → CTandemKernels, TandemGGUF
let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
        .library(name: "TandemGGUF", targets: ["TandemGGUF"]),
        .library(name: "TandemKernels", targets: ["TandemKernels"]),
        .library(name: "TandemTokenizer", targets: ["TandemTokenizer"]),
        .library(name: "TandemModel", targets: ["TandemModel"]),
        .library(name: "TandemDecoding", targets: ["TandemDecoding"]),
        .library(name: "TandemBench", targets: ["TandemBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        .target(name: "TandemGGUF"),
        .target(
            name: "CTandemKernels",
            // Kernels are always optimised, even in debug builds, so tests over real-sized
            // tensors stay fast; the SIMD paths are chosen at run time by CPU feature checks.
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]
        ),
        .target(name: "TandemKernels", dependencies: ["TandemGGUF", "CTandemKernels"]),
        .target(
            name: "TandemTokenizer",
            dependencies: ["TandemGGUF", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "TandemModel", dependencies: ["TandemGGUF", "TandemKernels"]),
        .target(name: "TandemDecoding", dependencies: ["TandemModel"]),
        .target(
            name: "TandemBench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemGGUF", "TandemKernels", "TandemTokenizer", "TandemModel", "TandemDecoding",
                "TandemBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TandemGGUFTests", dependencies: ["TandemGGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TandemKernelsTests", dependencies: ["TandemKernels", "TandemGGUF"]),
        .testTarget(
            name: "TandemTokenizerTests", dependencies: ["TandemTokenizer", "TandemGGUF"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "TandemDecodingTests", dependencies: ["TandemDecoding", "TandemModel"]),
        .testTarget(
            name: "TandemBenchTests",
            dependencies: [
                "TandemBench",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TandemModelTests", dependencies: ["TandemModel", "TandemKernels", "TandemGGUF"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
