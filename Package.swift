// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "evaldb",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "EvalDBKit", targets: ["EvalDBKit"]),
        .executable(name: "evaldb", targets: ["evaldb"]),
        .executable(name: "evaldb-serve", targets: ["evaldb-serve"]),
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
        // The command line: every command's parsing and printing.
        .target(
            name: "EvalDBCLI",
            dependencies: [
                "EvalDBKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `evaldb`: the command line without the web server, so that every command starts in a few
        // milliseconds. A release build on Linux is one static executable: the Swift runtime,
        // Foundation, SQLite, zlib and the C library linked in, so that nothing is loaded, bound or
        // relocated at start (docs/performance.md, "Starting a command"). libzstd, which only an
        // Inspect `.eval` log needs, is still loaded at run time (ZipArchive).
        .executableTarget(
            name: "evaldb",
            dependencies: ["EvalDBCLI"],
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-executable",
                        // What the static Foundation needs besides what its modules name, and the C
                        // and C++ libraries the static ones need, in one group so that their order
                        // does not matter.
                        "-Xlinker", "--start-group", "-lFoundation", "-lFoundationEssentials", "-lFoundationInternationalization",
                        "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization",
                        "-lstdc++", "-Xlinker", "-lsqlite3", "-Xlinker", "-lz", "-Xlinker", "-lm",
                        "-Xlinker", "--end-group",
                    ], .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // `evaldb-serve`: the command line with `serve`'s web server linked in; `evaldb serve` runs it.
        .executableTarget(
            name: "evaldb-serve",
            dependencies: ["EvalDBCLI", "EvalDBServe"]
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
            dependencies: ["evaldb", "evaldb-serve", "EvalDBCLI", "EvalDBKit"],
            // Golden tables, read from the source tree (#filePath).
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "EvalDBServeTests",
            // In-process servers on ephemeral ports, asked over HTTP; and the built `evaldb serve`.
            dependencies: ["EvalDBServe", "EvalDBKit", "evaldb", "evaldb-serve"]
        ),
    ]
)
