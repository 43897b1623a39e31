// swift-tools-version:6.0
import PackageDescription

// A package that uses Tandem as a dependency (by path), the way another project would: it proves the
// library products build for a consumer (.ci/check-consumer builds it).
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
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
