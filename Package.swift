// swift-tools-version:6.2
import PackageDescription

// Layering (arrows point down only; docs/ARCHITECTURE.md explains each target):
//
//   tandem (CLI) ──► TandemBench (experiments; not a product) ──► TandemServer, TandemClient
//   TandemServer, TandemClient ──► TandemWireConversions ──► TandemWire (leaf: plain Codable messages)
//                              │                         └─► TandemDecoding ──► TandemSampling (leaf)
//                              ├─► TandemModelAdapter ──► TandemDecoding, TandemModel
//                              └─► TandemTokenizer ──► TandemGGUF
//   TandemModel ──► TandemKernels ──► CTandemKernels (C), TandemGGUF
//   TandemCoordinator ──► TandemWire, Hummingbird (no engine, no kernels: .ci/check-graph proves it)
//   TandemModelStore (Foundation and Crypto only: installs model files) ◄── tandem
//   TandemOpenAI (leaf: OpenAI API Codable types) ◄── TandemOpenAIRoutes (Hummingbird endpoints over a
//   backend) ◄── TandemServer (cloud-only backend), TandemProxy (assisted backend over TandemClient)
//   TandemSecurity ──► TandemWire, NIOSSL, Crypto (TLS identities and trust, the verifier secret's HMACs)
//                  ◄── TandemServer, TandemClient, TandemCoordinator, TandemProxy
//   TandemUtilities (leaf, package-internal helpers) ◄── GGUF, decoding, server, client, coordinator, bench, CLI
let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
        .library(name: "TandemGGUF", targets: ["TandemGGUF"]),
        .library(name: "TandemKernels", targets: ["TandemKernels"]),
        .library(name: "TandemTokenizer", targets: ["TandemTokenizer"]),
        .library(name: "TandemModel", targets: ["TandemModel"]),
        .library(name: "TandemSampling", targets: ["TandemSampling"]),
        .library(name: "TandemModelAdapter", targets: ["TandemModelAdapter"]),
        .library(name: "TandemDecoding", targets: ["TandemDecoding"]),
        .library(name: "TandemWire", targets: ["TandemWire"]),
        .library(name: "TandemWireConversions", targets: ["TandemWireConversions"]),
        .library(name: "TandemServer", targets: ["TandemServer"]),
        .library(name: "TandemClient", targets: ["TandemClient"]),
        .library(name: "TandemCoordinator", targets: ["TandemCoordinator"]),
        .library(name: "TandemOpenAI", targets: ["TandemOpenAI"]),
        .library(name: "TandemOpenAIRoutes", targets: ["TandemOpenAIRoutes"]),
        .library(name: "TandemProxy", targets: ["TandemProxy"]),
        .library(name: "TandemModelStore", targets: ["TandemModelStore"]),
        .library(name: "TandemSecurity", targets: ["TandemSecurity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    ],
    targets: [
        // Small shared helpers (SplitMix64, the thread-CPU clock, Duration → seconds, JSON string
        // quoting), `package` access only: not part of any product's API.
        .target(name: "TandemUtilities"),
        .target(name: "TandemGGUF", dependencies: ["TandemUtilities"]),
        .target(
            name: "CTandemKernels",
            // Kernels are always optimised, even in debug builds, so tests over real-sized
            // tensors stay fast; the SIMD paths are chosen at run time by CPU feature checks. SwiftPM
            // accepts these flags in a versioned dependency from tools-version 6.2 on (.ci/check-consumer).
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]
        ),
        .target(name: "TandemKernels", dependencies: ["TandemGGUF", "CTandemKernels"]),
        .target(
            name: "TandemTokenizer",
            dependencies: ["TandemGGUF", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "TandemModel", dependencies: ["TandemGGUF", "TandemKernels"]),
        // Installs the known real models: pinned packages fetched with pip, assembled, hash-checked.
        .target(name: "TandemModelStore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The engine's sampler, below both the engine and the decoding core (no kernels).
        .target(name: "TandemSampling"),
        .target(name: "TandemDecoding", dependencies: ["TandemSampling", "TandemUtilities"]),
        // The engine's session as the decoding core's `LanguageModelSession`.
        .target(name: "TandemModelAdapter", dependencies: ["TandemModel", "TandemDecoding"]),
        // The wire is a leaf: plain Codable messages, nothing of the project below it.
        .target(name: "TandemWire"),
        // TLS identities (PEM files) and client trust (system store + a private CA), and the shared
        // secret's HMACs (signed listing entries, the proof at open): no engine below it.
        .target(
            name: "TandemSecurity",
            dependencies: [
                "TandemWire",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Wire messages ⇄ decoding-core types, for the two edges (server and client).
        .target(name: "TandemWireConversions", dependencies: ["TandemWire", "TandemDecoding"]),
        // The OpenAI API's request/response types: a leaf like the wire (nothing of the project below it).
        .target(name: "TandemOpenAI"),
        // The OpenAI-compatible HTTP endpoints over any generation backend (server and proxy share them).
        .target(
            name: "TandemOpenAIRoutes",
            dependencies: [
                "TandemOpenAI", "TandemDecoding", "TandemTokenizer",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .target(
            name: "TandemServer",
            dependencies: [
                "TandemOpenAI", "TandemOpenAIRoutes", "TandemWire", "TandemWireConversions", "TandemDecoding",
                "TandemModel", "TandemModelAdapter",
                "TandemTokenizer", "TandemUtilities", "TandemSecurity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "TandemClient",
            dependencies: [
                "TandemWire", "TandemWireConversions", "TandemDecoding", "TandemModel", "TandemModelAdapter",
                "TandemTokenizer", "TandemUtilities", "TandemSecurity",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // `tandem proxy`: the OpenAI endpoints on localhost, every completion by assisted decoding.
        .target(
            name: "TandemProxy",
            dependencies: [
                "TandemOpenAI", "TandemOpenAIRoutes", "TandemClient", "TandemDecoding", "TandemModel",
                "TandemModelAdapter", "TandemSampling", "TandemTokenizer", "TandemSecurity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TandemCoordinator",
            dependencies: [
                "TandemWire", "TandemUtilities", "TandemSecurity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TandemBench",
            dependencies: [
                // The experiments run the product end to end (server, client, models); nothing below imports this.
                "TandemServer", "TandemClient", "TandemDecoding", "TandemModel", "TandemModelAdapter",
                "TandemSampling", "TandemTokenizer", "TandemGGUF", "TandemKernels", "TandemUtilities",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemGGUF", "TandemKernels", "TandemTokenizer", "TandemModel", "TandemSampling", "TandemDecoding",
                "TandemModelAdapter", "TandemWire", "TandemWireConversions", "TandemServer", "TandemUtilities",
                "TandemClient", "TandemCoordinator", "TandemProxy",
                "TandemBench", "TandemModelStore", "TandemSecurity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "TandemGGUFTests", dependencies: ["TandemGGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TandemKernelsTests", dependencies: ["TandemKernels", "TandemGGUF"]),
        .testTarget(
            name: "TandemTokenizerTests", dependencies: ["TandemTokenizer", "TandemGGUF"],
            resources: [.copy("Fixtures")]
        ),
        // Toy language models, a gated drafter and a manual clock for the decoding, server, client and
        // coordinator tests (no model file needed).
        .target(name: "TandemTestSupport", dependencies: ["TandemDecoding"], path: "Tests/TandemTestSupport"),
        // Loopback servers, raw WebSocket connections, the `tandem` process runner and the fixture models,
        // shared by the server, client and CLI test targets.
        .target(
            name: "TandemLoopbackSupport",
            dependencies: [
                "TandemTestSupport", "TandemServer", "TandemClient", "TandemWire", "TandemWireConversions",
                "TandemDecoding", "TandemModel", "TandemModelAdapter", "TandemTokenizer", "TandemSecurity",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/TandemLoopbackSupport",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TandemDecodingTests",
            dependencies: [
                "TandemDecoding", "TandemModel", "TandemModelAdapter", "TandemSampling", "TandemTestSupport",
            ]
        ),
        .testTarget(name: "TandemSamplingTests", dependencies: ["TandemSampling"]),
        .testTarget(
            name: "TandemWireTests",
            dependencies: ["TandemWire", "TandemWireConversions", "TandemDecoding", "TandemSecurity"]
        ),
        // The verifier server over loopback sockets: hostile frames, limits, idle expiry, registration.
        .testTarget(
            name: "TandemServerTests",
            dependencies: [
                "TandemTestSupport", "TandemLoopbackSupport",
                "TandemServer", "TandemClient", "TandemWire", "TandemWireConversions", "TandemDecoding", "TandemModel",
                "TandemModelAdapter", "TandemTokenizer", "TandemCoordinator", "TandemUtilities",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The client against loopback servers: the WebSocket link, reconnects and back-off, failover,
        // assisted, cloud-only, proactive and routed generation.
        .testTarget(
            name: "TandemClientTests",
            dependencies: [
                "TandemTestSupport", "TandemLoopbackSupport",
                "TandemClient", "TandemServer", "TandemWire", "TandemWireConversions", "TandemDecoding", "TandemModel",
                "TandemModelAdapter", "TandemTokenizer", "TandemCoordinator", "TandemSecurity",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The `tandem` executable run as a process: command lines, JSON output, bench commands, and
        // coordination between real coordinator and verifier processes.
        .testTarget(
            name: "TandemCLITests",
            dependencies: [
                "tandem", "TandemTestSupport", "TandemLoopbackSupport",
                "TandemClient", "TandemServer", "TandemWire", "TandemWireConversions", "TandemDecoding", "TandemModel",
                "TandemModelAdapter", "TandemTokenizer",
            ]
        ),
        .testTarget(
            name: "TandemOpenAITests",
            dependencies: [
                "TandemOpenAI", "TandemOpenAIRoutes", "TandemProxy", "TandemServer", "TandemClient",
                "TandemDecoding", "TandemModel", "TandemTokenizer", "TandemTestSupport", "TandemLoopbackSupport",
                "TandemSecurity",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "TandemCoordinatorTests",
            dependencies: [
                "TandemCoordinator", "TandemWire", "TandemTestSupport", "TandemUtilities",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TandemBenchTests",
            dependencies: [
                "TandemBench", "TandemDecoding", "TandemServer", "TandemClient", "TandemModel", "TandemTokenizer",
                "TandemLoopbackSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Short, fixed-seed versions of `tandem bench fuzz` (wire codec, live server, GGUF reader).
        .testTarget(
            name: "TandemFuzzTests",
            dependencies: [
                "TandemBench", "TandemServer", "TandemDecoding", "TandemWire", "TandemGGUF", "TandemTestSupport",
            ]
        ),
        .testTarget(
            name: "TandemModelTests", dependencies: ["TandemModel", "TandemSampling", "TandemKernels", "TandemGGUF"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TandemModelStoreTests",
            dependencies: ["TandemModelStore", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
