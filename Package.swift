// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "evaldb",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "EvalDBKit", targets: ["EvalDBKit"]),
        .executable(name: "evaldb", targets: ["evaldb"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // zlib: DEFLATE, a compression of the zip entries of an Inspect `.eval` log (Zstandard,
        // the other, is loaded at run time: ZipArchive).
        .systemLibrary(
            name: "CZipCodecs",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Turns the top-level migrations/*.sql into Swift source at build time, so that a copied
        // `evaldb` binary carries its schema with it.
        .executableTarget(name: "EmbedMigrations"),
        .plugin(
            name: "MigrationsPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedMigrations"]
        ),
        .target(
            name: "EvalDBKit",
            dependencies: [
                "CSQLite",
                "CZipCodecs",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["MigrationsPlugin"]
        ),
        // `evaldb serve`: the review pages, their HTTP server and assets (compiled in).
        .target(
            name: "EvalDBServe",
            dependencies: [
                "EvalDBKit", .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            resources: [.embedInCode("Assets/keys.js"), .embedInCode("Assets/serve.css")]
        ),
        .executableTarget(
            name: "evaldb",
            dependencies: [
                "EvalDBKit",
                "EvalDBServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // bench/history.py runs it: in-process timings of log, show and blame.
        .executableTarget(
            name: "evaldb-history-bench",
            dependencies: ["EvalDBKit"],
            path: "bench/HistoryBench"
        ),
        .testTarget(
            name: "EvalDBKitTests",
            dependencies: ["EvalDBKit"],
            // Read from the source tree (#filePath), not bundled.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EvalDBCLITests",
            // The tests run the built `evaldb` binary.
            dependencies: ["evaldb", "EvalDBKit"],
            // Golden tables, read from the source tree (#filePath).
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "EvalDBServeTests",
            // In-process servers on ephemeral ports, asked over HTTP; and the built `evaldb serve`.
            dependencies: ["EvalDBServe", "EvalDBKit", "evaldb"]
        ),
    ]
)
