import Foundation
import Testing

/// What a result depends on: an example's input, context and expected output (docs/statistics.md,
/// docs/review.md), through the built binary on the sample project.
@Suite("graded content: compare, staleness and read marks follow input, context and expected_output")
struct GradedContentCLITests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-graded-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    static let dataset = "evals/data/v0/golden.jsonl"

    /// `evaldb ARGS` must succeed.
    @discardableResult
    func ok(_ clone: Clone, _ arguments: [String], stdin: String? = nil) throws -> CLI.Result {
        let result = try clone.evaldb(arguments, stdin: stdin)
        #expect(result.status == 0, "evaldb \(arguments.joined(separator: " ")): \(result.output) \(result.stderr)")
        return result
    }

    /// The sample project with version 1, the baseline and candidate runs on it, ana's read marks
    /// on the first five examples and ben's on the next three.
    func project() throws -> Clone {
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first labelling session"])
        try ok(ana, ["run", "record", "evals/runs/baseline.jsonl", "--name", "baseline", "--dataset-file", Self.dataset])
        try ok(ana, ["run", "record", "evals/runs/candidate.jsonl", "--name", "candidate", "--dataset-file", Self.dataset])
        try ok(ana, ["review", "--reviewer", "ana"], stdin: "y\ny\ny\ny\ny\nq\n")
        try ok(ana, ["review", "--reviewer", "ben"], stdin: "s\ns\ns\ns\ns\ny\ny\ny\nq\n")
        return ana
    }

    /// The candidate's results recorded again, as `name`, on the current version.
    func rerun(_ clone: Clone, as name: String) throws {
        let hash = try ok(clone, ["hash", "--version", "HEAD"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(hash.hasPrefix("sha256:"))
        try ok(clone, ["run", "record", "evals/runs/candidate.jsonl", "--name", name, "--dataset", hash])
    }

    /// `compare BASE CAND --format json` as an object, with its exit status.
    func compare(_ clone: Clone, _ base: String, _ candidate: String) throws -> (status: Int32, json: [String: Any]) {
        let result = try clone.evaldb(["compare", base, candidate, "--budget", "5", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        #expect(json != nil, "\(result.output) \(result.stderr)")
        return (result.status, json ?? [:])
    }

    /// The figures of a comparison that do not name the runs.
    func figures(_ json: [String: Any]) -> [String] {
        ["paired", "left_out_edited", "unpaired", "difference", "low", "high", "mcnemar_p", "pass_to_fail", "fail_to_pass", "verdict"].map {
            "\($0): \(json[$0].map { "\($0)" } ?? "nil")"
        }
    }

    func readLines(_ clone: Clone) throws -> [String] {
        try ok(clone, ["status"]).output.split(separator: "\n").filter { $0.hasPrefix("read by") }.map(String.init)
    }

    @Test("split and a review that only sets a label, a tag and a note keep compare's figures, the runs fresh and every reviewer's read progress")
    func labelOnlyVersionKeepsEverything() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try project()
        let before = try compare(ana, "baseline", "candidate")
        let reading = try readLines(ana)
        #expect(reading == ["read by ana: 5 of 42 (11%)", "read by ben: 3 of 42 (7%)"], "\(reading)")

        let split = try ok(ana, ["split", "--train", "60", "--dev", "20", "--test", "20", "--seed", "graded"])
        #expect(split.output.contains("version 2"), "\(split.output)")
        try ok(ana, ["review", "--reviewer", "rita"], stdin: "l scenario=relabelled\nt checked\nn reads well\ns\nt second\ns\nq\n")
        let versions = try ok(ana, ["versions"]).output
        #expect(versions.contains("review by rita"), "\(versions)")
        try rerun(ana, as: "candidate-relabelled")

        let after = try compare(ana, "baseline", "candidate-relabelled")
        #expect(after.status == before.status)
        #expect(figures(after.json) == figures(before.json))
        #expect((after.json["left_out_edited"] as? [Any])?.isEmpty == true)
        for run in ["baseline", "candidate"] {
            let report = try ok(ana, ["report", run])
            #expect(!report.stderr.contains("stale") && !report.stderr.contains("changed since"), "\(report.stderr)")
        }
        #expect(try readLines(ana) == reading)
        let unread = try ok(ana, ["review", "--unread", "--reviewer", "ana"], stdin: "q\n").output
        #expect(!unread.contains("booking-lookup-001"), "ana read it before the split: \(unread)")
    }

    @Test("an edit of expected_output leaves the example out of compare, makes the runs stale and the example unread")
    func expectedOutputEditExcludesStalesAndUnreads() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try project()
        let before = try compare(ana, "baseline", "candidate")
        try ok(ana, ["split", "--train", "60", "--dev", "20", "--test", "20", "--seed", "graded"])

        // booking-lookup-001, the first example, read by ana, gets another expected output.
        let path = ana.path + "/" + Self.dataset
        var lines = String(decoding: try ana.read(Self.dataset), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines[0].contains(#""id": "booking-lookup-001""#))
        let edited = lines[0].replacingOccurrences(
            of: #""expected_output": {"action": "ask_clarification""#, with: #""expected_output": {"action": "check_availability""#)
        #expect(edited != lines[0])
        lines[0] = edited
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        try ok(ana, ["import", Self.dataset, "-m", "booking-lookup-001 checks availability"])
        try rerun(ana, as: "candidate-edited")

        let after = try compare(ana, "baseline", "candidate-edited")
        #expect(after.json["left_out_edited"] as? [String] == ["booking-lookup-001"])
        #expect((after.json["paired"] as? Int).map { $0 + 1 } == before.json["paired"] as? Int)
        let table = try ana.evaldb(["compare", "baseline", "candidate-edited"]).output
        #expect(table.contains("1 left out (input, context or expected output changed between the two versions)"), "\(table)")
        let report = try ok(ana, ["report", "baseline"])
        #expect(report.stderr.contains("1 of its examples changed since"), "\(report.stderr)")
        #expect(report.stderr.contains("stale"), "\(report.stderr)")
        #expect(try readLines(ana) == ["read by ana: 4 of 42 (9%)", "read by ben: 3 of 42 (7%)"])
        let unread = try ok(ana, ["review", "--unread", "--reviewer", "ana"], stdin: "q\n").output
        #expect(unread.contains("booking-lookup-001"), "\(unread)")
    }
}
