import Foundation
import Testing

/// The main tables, byte for byte, against golden files in `Golden/` (dates masked as `DATE`).
/// After an intended change of output, `EVALDB_UPDATE_GOLDEN=1 swift test --filter GoldenTests`
/// rewrites them; review the diff before committing it.
@Suite("Golden output of the main tables")
struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// The sample project: dataset, axes and both sample runs, imported by `ana`.
    static func sample() throws -> CLI {
        let cli = try CLI()
        try FileManager.default.createDirectory(atPath: cli.folder + "/evals", withIntermediateDirectories: true)
        for file in ["evals/axes.json"] {
            try FileManager.default.copyItem(atPath: root.appendingPathComponent(file).path, toPath: cli.folder + "/" + file)
        }
        try FileManager.default.copyItem(
            atPath: root.appendingPathComponent("evals/data/v0/golden.jsonl").path, toPath: cli.folder + "/golden.jsonl")
        #expect(try cli.run(["import", "golden.jsonl", "--author", "ana", "-m", "first labelling session"]).status == 0)
        for run in ["baseline", "candidate"] {
            let path = root.appendingPathComponent("evals/runs/\(run).jsonl").path
            #expect(try cli.run(["run", "record", path, "--name", run, "--dataset-file", "golden.jsonl"]).status == 0)
        }
        return cli
    }

    static func masked(_ text: String) -> String {
        text.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, with: "DATE", options: .regularExpression)
    }

    @Test(
        "versions, report, compare (and its markdown), coverage, slice --count-by and blame print exactly their golden tables",
        arguments: [
            ("versions", ["versions"]), ("report-by-feature", ["report", "candidate", "--by", "feature"]),
            ("compare", ["compare", "baseline", "candidate", "--budget", "5"]), ("coverage", ["coverage"]),
            ("slice-count-by", ["slice", "--count-by", "feature,scenario"]), ("blame", ["blame", "booking-lookup-001"]),
            ("compare-by-feature", ["compare", "baseline", "candidate", "--budget", "5", "--by", "feature"]),
            ("compare-markdown", ["compare", "baseline", "candidate", "--budget", "5", "--by", "feature", "--format", "markdown"]),
        ])
    func tableMatchesGolden(name: String, arguments: [String]) throws {
        let cli = try Self.sample()
        defer { cli.cleanUp() }
        let result = try cli.run(arguments)
        let output = Self.masked("exit \(result.status)\n" + result.output)
        let file = Self.golden.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["EVALDB_UPDATE_GOLDEN"] == "1" {
            try Data(output.utf8).write(to: file)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(output == expected, "\(arguments.joined(separator: " ")) differs from Golden/\(name).txt")
    }
}
