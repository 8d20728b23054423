import Foundation
import Testing

/// The package builds where it says it does (Linux and macOS): no two paths that a case-insensitive
/// file system (macOS's default) would take for one, every module a source imports declared in
/// Package.swift, a Linux-only field or path only inside a conditional, dependency ranges within one
/// major version.
@Suite("The package is portable")
struct PortabilityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The files git tracks, relative to the root.
    static func trackedFiles() throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", root.path, "ls-files", "-z"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
    }

    /// The Swift files under Sources/ and bench/, with their text.
    static func sources() throws -> [(path: String, text: String)] {
        try trackedFiles().filter { ($0.hasPrefix("Sources/") || $0.hasPrefix("bench/")) && $0.hasSuffix(".swift") }.map { path in
            (path, try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
        }
    }

    @Test("no two tracked paths, nor their folders, differ only by case")
    func noPathsDifferingByCase() throws {
        var seen: [String: String] = [:]
        var clashes: [String] = []
        for file in try Self.trackedFiles() {
            let parts = file.split(separator: "/")
            for end in 1...parts.count {
                let path = parts[0..<end].joined(separator: "/")
                if let other = seen[path.lowercased()], other != path { clashes.append("\(other) and \(path)") }
                seen[path.lowercased()] = path
            }
        }
        #expect(Set(clashes).isEmpty, "\(Set(clashes).sorted())")
        #expect(!seen.isEmpty, "git lists the tracked files")
    }

    @Test("every module a source imports is the platform's, one of the package's targets, or a product Package.swift names")
    func importsAreDeclared() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let platform: Set<String> = [
            "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Glibc", "Darwin", "Dispatch", "PackagePlugin",
        ]
        let targets = Set(
            manifest.matches(of: /name: "([A-Za-z0-9_-]+)"/).map { String($0.output.1) })
        let products = Set(manifest.matches(of: /\.product\(name: "([A-Za-z0-9_]+)"/).map { String($0.output.1) })
        var undeclared: [String] = []
        for (path, text) in try Self.sources() {
            for match in text.matches(of: /(?m)^\s*(?:@testable\s+|@_exported\s+)?import\s+([A-Za-z0-9_]+)\s*$/) {
                let module = String(match.output.1)
                if platform.contains(module) || targets.contains(module) { continue }
                if !products.contains(module) { undeclared.append("\(path): import \(module)") }
            }
        }
        #expect(undeclared.isEmpty, "\(undeclared)")
        #expect(products.contains("Crypto") && products.contains("FlyingSocks"), "the manifest's products are read")
    }

    @Test("a Linux-only field or path (st_mtim, /proc/) appears only inside #if")
    func linuxOnlyInsideConditionals() throws {
        var bare: [String] = []
        for (path, text) in try Self.sources() {
            var depth = 0
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("#if") { depth += 1 }
                if trimmed.hasPrefix("#endif") { depth -= 1 }
                if depth == 0 && !trimmed.hasPrefix("//") && (line.contains("st_mtim.") || line.contains("\"/proc/")) {
                    bare.append("\(path):\(number + 1)")
                }
            }
        }
        #expect(bare.isEmpty, "\(bare)")
    }

    @Test("every dependency's version range stays within one major version")
    func dependencyRangesWithinOneMajor() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let packages = manifest.split(separator: "\n").filter { $0.contains(".package(url:") }
        #expect(packages.count >= 3)
        for line in packages {
            // `from:` (up to the next major), `exact:` or `.upToNextMajor`/`.upToNextMinor`; an
            // explicit range only when both ends share a major version.
            if let range = line.firstMatch(of: /"(\d+)\.[\d.]+"\.\.<"(\d+)\.([\d.]+)"/) {
                let low = Int(range.output.1)!, high = Int(range.output.2)!
                let highRest = range.output.3.split(separator: ".").allSatisfy { $0 == "0" }
                #expect(high == low || (high == low + 1 && highRest), "\(line)")
            } else {
                #expect(line.contains("from:") || line.contains("exact:") || line.contains("upToNext"), "\(line)")
            }
        }
    }
}
