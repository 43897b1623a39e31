// swift-tools-version:6.0
import PackageDescription

// A package that uses Tandem as a dependency, the way another project would. Here it depends by path;
// .ci/check-consumer builds a copy of it that depends on a tagged version instead
// (`.package(url: "file://…/tandem.git", from: "0.0.1")`), which is the case SwiftPM used to refuse
// for packages whose C target has unsafe flags (allowed from swift-tools-version 6.2 on).
let package = Package(
    name: "Consumer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Tandem", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [
                .product(name: "TandemWire", package: "Tandem"),
                .product(name: "TandemGGUF", package: "Tandem"),
                .product(name: "TandemKernels", package: "Tandem"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
