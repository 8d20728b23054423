import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

private let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A CLI folder with the sample dataset imported and both sample runs recorded.
private func sampleRuns() throws -> CLI {
    let cli = try CLI()
    try FileManager.default.copyItem(atPath: sources.appendingPathComponent("evals/data/v0/golden.jsonl").path, toPath: cli.folder + "/golden.jsonl")
    #expect(try cli.run(["import", "golden.jsonl"]).status == 0)
    for name in ["baseline", "candidate"] {
        let recorded = try cli.run([
            "run", "record", sources.appendingPathComponent("evals/runs/\(name).jsonl").path, "--name", name, "--dataset-file", "golden.jsonl",
        ])
        #expect(recorded.status == 0, "\(recorded.stderr)")
    }
    return cli
}

@Suite("the output contract: data in JSON, points with an ASCII minus, reports for CI")
struct OutputContractTests {
    @Test("compare --format json is data: rates in points as numbers, ids as lists, the verdict as a word")
    func compareJSON() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let result = try cli.run(["compare", "baseline", "candidate", "--budget", "5", "--by", "feature", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.output)")
        let base = try #require(object["base"] as? [String: Any]), candidate = try #require(object["candidate"] as? [String: Any])
        // 35 and 36 of the 42 sample examples pass.
        #expect((base["rate"] as? NSNumber)?.doubleValue == 83.3 && (candidate["rate"] as? NSNumber)?.doubleValue == 85.7)
        #expect((object["difference"] as? NSNumber)?.doubleValue == 2.4)
        #expect(object["paired"] as? Int == 42)
        #expect(object["pass_to_fail"] is [String] && object["fail_to_pass"] is [String])
        let slices = try #require(object["slices"] as? [[String: Any]])
        #expect(slices.count == 4 && slices.allSatisfy { $0["values"] is [String: Any] && $0["delta"] is NSNumber })
        #expect(["pass", "inconclusive", "regression"].contains(object["verdict"] as? String ?? ""))
        #expect(result.status == (object["verdict"] as? String == "pass" ? 0 : object["verdict"] as? String == "regression" ? 1 : 3))
    }

    @Test("compare's table uses an ASCII minus and points with one decimal")
    func compareTableMinus() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let table = try cli.run(["compare", "candidate", "baseline", "--budget", "5", "--by", "feature"]).output
        #expect(!table.contains("\u{2212}"), "\(table)")
        #expect(table.contains("difference -2.4 points"), "\(table)")
    }

    @Test("compare --junit writes a JUnit report: a failure for a gate that does not pass, a case per slice")
    func compareJUnit() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let gate = try cli.run(["compare", "candidate", "baseline", "--budget", "0.5", "--by", "feature", "--junit", "gate.xml"])
        #expect(gate.status == 3 || gate.status == 1)
        let document = try XMLDocument(data: try Data(contentsOf: URL(fileURLWithPath: cli.folder + "/gate.xml")))
        let suite = try #require(try document.nodes(forXPath: "//testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "tests")?.stringValue == "5")
        #expect(suite.attribute(forName: "failures")?.stringValue == "1")
        let failure = try #require(try document.nodes(forXPath: "//testcase/failure").first as? XMLElement)
        #expect(["regression", "inconclusive"].contains(failure.attribute(forName: "type")?.stringValue ?? ""))

        let passing = try cli.run(["compare", "baseline", "candidate", "--budget", "50", "--junit", "pass.xml"])
        #expect(passing.status == 0)
        let passed = try XMLDocument(data: try Data(contentsOf: URL(fileURLWithPath: cli.folder + "/pass.xml")))
        #expect(try passed.nodes(forXPath: "//failure").isEmpty)
    }

    @Test("a budget given as a fraction is refused with the points meant; a negative one says why")
    func budgetUnits() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let fraction = try cli.run(["compare", "baseline", "candidate", "--budget", "0.02"])
        #expect(fraction.status == 2 && fraction.stderr.contains("for 2 points give --budget 2"), "\(fraction.stderr)")
        let negative = try cli.run(["compare", "baseline", "candidate", "--budget", "-2"])
        #expect(negative.status == 2 && negative.stderr.contains("0 or more"), "\(negative.stderr)")
        #expect(!negative.stderr.contains("Missing value"))
    }

    @Test("report --format json gives rates and bounds in points as numbers")
    func reportJSON() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let rows = try #require(
            try JSONSerialization.jsonObject(with: try cli.run(["report", "candidate", "--format", "json"]).stdout) as? [[String: Any]])
        let overall = try #require(rows.first)
        #expect((overall["rate"] as? NSNumber)?.doubleValue == 85.7)
        #expect(overall["passed"] as? Int == 36 && overall["examples"] as? Int == 42)
        #expect(overall["low"] is NSNumber && overall["high"] is NSNumber)
    }

    /// Strings in `value` (anywhere inside it) that hide a number or a JSON document.
    private static func hiddenData(_ value: Any, at path: String = "$") -> [String] {
        switch value {
        case let object as [String: Any]: return object.flatMap { hiddenData($0.value, at: path + "." + $0.key) }
        case let array as [Any]: return array.enumerated().flatMap { hiddenData($0.element, at: path + "[\($0.offset)]") }
        case let text as String:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if Double(trimmed) != nil { return ["\(path): the number \(text) as a string"] }
            if trimmed.hasPrefix("{") || trimmed.hasPrefix("["),
                (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed])) != nil
            {
                return ["\(path): JSON text \(text) as a string"]
            }
            return []
        default: return []
        }
    }

    @Test("every command's --format json is JSON data: no number or JSON document hidden in a string")
    func everyCommandsJSONIsData() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        // A second version (a note written in review) and a read mark, so that every listing has rows.
        #expect(try cli.run(["review", "--reviewer", "ana"], stdin: Data("n checked\ny\nq\n".utf8)).status == 0)
        // A judge run with people's verdicts on it (the tutorial's, in evals/judge/).
        let judge = sources.appendingPathComponent("evals/judge").path
        #expect(try cli.run(["run", "record", judge + "/judge.jsonl", "--name", "judge", "--dataset-file", "golden.jsonl"]).status == 0)
        #expect(try cli.run(["judge", "verdicts", judge + "/human.jsonl", "--run", "judge"]).status == 0)
        // Traces sampled into examples (one repeats an example's input), and a run on them, for report --weighted.
        try cli.write(
            "traces.jsonl",
            (1...6).map {
                #"{"trace_id": "t\#($0)", "input": "a production question \#($0)", "attributes": {"intent": "\#($0 % 2 == 0 ? "refund" : "other")"}}"#
            }
            .joined(separator: "\n") + "\n" + #"{"trace_id": "dup", "input": "do you have anything for next friday after 7?"}"# + "\n")
        let sampling = ["sample", "traces.jsonl", "--stratum", "refund:attributes.intent=refund", "--quota", "refund=2", "--uniform", "2"]
        #expect(try cli.run(sampling).status == 0)
        #expect(try cli.run(["review", "--proposals", "--reviewer", "ana"], stdin: Data("a\na\na\na\n".utf8)).status == 0)
        #expect(try cli.run(["export", "-o", "sampled.jsonl"]).status == 0)
        let sampled = String(decoding: try cli.read("sampled.jsonl"), as: UTF8.self).split(separator: "\n")
            .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String }
        #expect(sampled.filter { $0.hasPrefix("trace-") }.count == 4, "\(sampled)")
        try cli.write("prod.jsonl", sampled.enumerated().map { #"{"id": "\#($1)", "pass": \#($0 % 3 != 0)}"# }.joined(separator: "\n") + "\n")
        #expect(try cli.run(["run", "record", "prod.jsonl", "--name", "prod", "--dataset-file", "sampled.jsonl"]).status == 0)
        let weighted = try cli.run(["report", "prod", "--weighted", "--format", "json"]).output
        #expect(weighted.contains(#""weighted": true"#) && weighted.contains("4 sampled examples"), "\(weighted)")
        let axes = sources.appendingPathComponent("evals/axes.json").path
        let id = "booking-lookup-001"
        let commands: [[String]] = [
            ["versions"], ["status"], ["log", id], ["log", id, "-p"], ["blame", id], ["diff", "1", "2"], ["slice", "--limit", "3"],
            ["slice", "--count-by", "feature"], ["coverage", "--axes", axes], ["coverage", "--axes", axes, "--budget", "5", "--run", "candidate"],
            // `sql` prints SQL's values by their SQL type: integers and reals as numbers, a JSON column as
            // TEXT (so no JSON column is selected here).
            ["sql", "SELECT version, hash, examples FROM versions"],
            ["sql", "SELECT run, count(*) AS results, avg(pass) AS rate FROM results GROUP BY run"],
            ["run", "list"], ["run", "show", "candidate"],
            ["report", "candidate", "--by", "feature"],
            ["compare", "baseline", "candidate", "--by", "feature"], ["trend", "--by", "feature"], ["power", "--rate", "90", "--n", "100"],
            ["power", "--run", "candidate", "--by", "feature", "--half-width", "10"], ["verify"], ["validate", "golden.jsonl"],
            ["split", "--check", "--allow-leaks"],
            ["judge", "calibrate", "--judge", "judge", "--human", "judge", "--dry-run"],
            ["judge", "calibrate", "--judge", "judge", "--human", "judge"],
            ["report", "judge", "--judge-calibration", "judge"], ["report", "prod", "--weighted"],
            ["report", "prod", "--weighted", "--by", "stratum"],
            sampling, sampling + ["--dry-run"], sampling + ["--seed", "another"],
            // After `--` every word is the command's: the loop's `--format json` goes to python3's argv, ignored.
            ["run", "exec", "--name", "exec-json", "--format", "json", "--", "python3", "-c", "import sys; print(sys.stdin.read())"],
        ]
        for command in commands {
            let result = try cli.run(command + ["--format", "json"])
            #expect([0, 1].contains(result.status), "\(command): \(result.stderr)")
            let parsed = try? JSONSerialization.jsonObject(with: result.stdout, options: [.fragmentsAllowed])
            guard let parsed else {
                Issue.record("evaldb \(command.joined(separator: " ")) --format json is not JSON: \(result.output)")
                continue
            }
            let hidden = Self.hiddenData(parsed)
            #expect(hidden.isEmpty, "evaldb \(command.joined(separator: " ")) --format json: \(hidden)")
            // One document on one line, in the style of Python's json.dumps: ", " and ": ", no indent.
            let lines = result.output.split(separator: "\n")
            #expect(lines.count == 1 && result.output.hasSuffix("\n"), "evaldb \(command.joined(separator: " ")) --format json: \(lines.count) lines")
            #expect(
                !result.output.contains("\" : ") && !result.output.contains(",\""),
                "evaldb \(command.joined(separator: " ")): not json.dumps' separators")
        }
    }

    @Test(
        "a value of several lines takes as many lines of its table row, as sqlite3's column mode shows it; no control character reaches the terminal")
    func multiLineValuesInATable() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let query = """
            SELECT 'a' AS k, 'line one' || char(10) || 'line two' || char(13, 10) || 'x' || char(9) || 'y' || char(27) || '[31m' AS v, 3 AS n
            UNION ALL SELECT 'bb', 'one', 4
            """
        let table = try cli.run(["sql", query])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(
            table.output == """
                k   v           n
                a   line one    3
                    line two
                    x   y\u{FFFD}[31m
                bb  one         4

                """, "\(table.output)")
        // csv and json keep the value as it is.
        let json = try #require(try JSONSerialization.jsonObject(with: try cli.run(["sql", query, "--format", "json"]).stdout) as? [[String: Any]])
        #expect(json[0]["v"] as? String == "line one\nline two\r\nx\ty\u{1B}[31m")
    }

    @Test("slice --format csv gives one column per label key, lists as words")
    func sliceCSVColumns() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let csv = try cli.run(["slice", "--where", "feature=refund-request", "--format", "csv"]).output.split(separator: "\n").map(String.init)
        let header = csv[0].split(separator: ",").map(String.init)
        #expect(Array(header.prefix(2)) == ["id", "source"])
        #expect(Set(header.dropFirst(2)).isSuperset(of: ["feature", "scenario", "persona"]), "\(header)")
        let feature = try #require(header.firstIndex(of: "feature"))
        #expect(
            csv.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)[feature] == "refund-request" })
    }

    @Test("slice --format json is the jsonl lines as one list, as json.dumps writes it; csv a row a line; both streamed, empty ones too")
    func sliceJSONAndCSVRows() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let lines = try cli.run(["slice", "--where", "feature=refund-request"]).output.split(separator: "\n").map(String.init)
        #expect(lines.count > 1)
        let json = try cli.run(["slice", "--where", "feature=refund-request", "--format", "json"]).output
        #expect(json == "[" + lines.joined(separator: ", ") + "]\n")
        #expect(try cli.run(["slice", "--where", "feature=refund-request", "--limit", "1", "--format", "json"]).output == "[\(lines[0])]\n")
        #expect(try cli.run(["slice", "--where", "feature=nothing-has-this", "--format", "json"]).output == "[]\n")
        let csv = try cli.run(["slice", "--where", "feature=refund-request", "--format", "csv"]).output
        #expect(csv.split(separator: "\n").count == lines.count + 1 && csv.hasSuffix("\n"))
        let bare = try cli.run(["slice", "--where", "feature=refund-request", "--format", "csv", "--no-headers"]).output
        #expect(bare == String(csv.drop { $0 != "\n" }.dropFirst()))
        let none = try cli.run(["slice", "--where", "feature=nothing-has-this", "--format", "csv"]).output
        #expect(none == "id,source\n")
    }

    @Test("a slice that matches nothing because of case names the value that exists")
    func sliceCaseHint() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let result = try cli.run(["slice", "--where", "feature=Refund-Request"])
        #expect(result.status == 0 && result.output.isEmpty)
        #expect(result.stderr.contains("did you mean feature=refund-request?"), "\(result.stderr)")
    }

    @Test("status says when the file is in sync but not canonical, and how to make it so")
    func statusCanonicalHint() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let lines = String(decoding: try Data(contentsOf: sources.appendingPathComponent("evals/data/v0/golden.jsonl")), as: UTF8.self)
        // A compact separator on the first line: the same dataset, other bytes.
        try cli.write("golden.jsonl", lines.replacingOccurrences(of: #"{"author": ""#, with: #"{"author":""#))
        #expect(try cli.run(["import", "golden.jsonl"]).status == 0)
        let status = try cli.run(["status"])
        #expect(status.status == 0)
        #expect(status.output.contains("golden.jsonl: in sync, but not canonical"), "\(status.output)")
        let json = try JSONSerialization.jsonObject(with: try cli.run(["status", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(json.first?["canonical"] as? Bool == false)
        #expect(try cli.run(["export", "-o", "golden.jsonl"]).status == 0)
        #expect(try cli.run(["status"]).output.contains("golden.jsonl: in sync\n"))
    }

    @Test("report says when a run covers only part of its dataset version")
    func reportPartialRun() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try FileManager.default.copyItem(
            atPath: sources.appendingPathComponent("evals/data/v0/golden.jsonl").path, toPath: cli.folder + "/golden.jsonl")
        #expect(try cli.run(["import", "golden.jsonl"]).status == 0)
        let some = String(decoding: try Data(contentsOf: sources.appendingPathComponent("evals/runs/baseline.jsonl")), as: UTF8.self)
            .split(separator: "\n").prefix(30).joined(separator: "\n")
        try cli.write("some.jsonl", some + "\n")
        #expect(try cli.run(["run", "record", "some.jsonl", "--name", "some", "--dataset-file", "golden.jsonl"]).status == 0)
        let report = try cli.run(["report", "some"]).output
        #expect(report.contains("partial run: 12 examples of version 1 have no result; the rates are over the 30 that do"), "\(report)")
    }

    @Test("validate --canonical names FILE:LINE:COL of the first line that is not canonical")
    func canonicalErrorHasColumn() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let lines = String(decoding: try Data(contentsOf: sources.appendingPathComponent("evals/data/v0/golden.jsonl")), as: UTF8.self)
            .split(separator: "\n").prefix(3).map(String.init)
        try cli.write(
            "g.jsonl",
            [lines[0], lines[1].replacingOccurrences(of: #"{"author": ""#, with: #"{"author":""#), lines[2]].joined(separator: "\n") + "\n")
        let strictResult = try cli.run(["validate", "--canonical", "g.jsonl"])
        #expect(strictResult.status == 1)
        #expect(strictResult.stderr.contains("g.jsonl:2:1: error: line 2"), "\(strictResult.stderr)")
    }

    @Test("run record marks a commit with uncommitted changes as dirty")
    func runRecordDirtyCommit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-dirty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        #expect(try ana.evaldb(["import", "evals/data/v0/golden.jsonl"]).status == 0)
        let head = try ana.git("rev-parse", "HEAD").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            try ana.evaldb(["run", "record", "evals/runs/baseline.jsonl", "--name", "clean", "--dataset-file", "evals/data/v0/golden.jsonl"]).status
                == 0)
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: ana.path + "/evals/axes.json"))
        #expect(
            try ana.evaldb(["run", "record", "evals/runs/baseline.jsonl", "--name", "dirty", "--dataset-file", "evals/data/v0/golden.jsonl"]).status
                == 0)
        let runs = try JSONSerialization.jsonObject(with: try ana.evaldb(["run", "list", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(runs.first { $0["name"] as? String == "clean" }?["commit"] as? String == head)
        #expect(runs.first { $0["name"] as? String == "dirty" }?["commit"] as? String == head + "-dirty")
    }

    @Test(
        "a JSON array, a pretty-printed object, CSV, an empty, binary or UTF-16 file: one line saying what evaldb reads, in every reader, nothing written"
    )
    func notJSONL() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        let utf16 = Data([0xFF, 0xFE]) + Data(record("a").utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let cases: [(name: String, data: Data, says: String)] = [
            ("array.json", Data("[\n  {\"id\": \"a\"},\n  {\"id\": \"b\"}\n]\n".utf8), "this is a JSON array, not JSONL"),
            ("pretty.json", Data("{\n  \"id\": \"a\",\n  \"input\": \"x\"\n}\n".utf8), "pretty-printed JSON?"),
            ("table.csv", Data("id,input,expected_output\na,hello,world\n".utf8), "this looks like CSV or TSV"),
            ("empty.jsonl", Data(), "the file is empty"),
            ("blank.jsonl", Data("\n\n".utf8), "the file is empty"),
            (
                "binary.jsonl", Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]) + Data(repeating: 0, count: 20),
                "this is a binary file"
            ),
            ("utf16.jsonl", utf16, "this is UTF-16 text, not UTF-8"),
        ]
        let before = [try cli.run(["versions", "--format", "json"]).output, try cli.run(["run", "list", "--format", "json"]).output]
        for item in cases {
            try item.data.write(to: URL(fileURLWithPath: cli.folder + "/" + item.name))
            for command in [
                ["validate", item.name], ["import", item.name], ["propose", item.name],
                ["run", "record", item.name, "--name", "x", "--dataset-file", "golden.jsonl"],
                ["judge", "verdicts", item.name, "--run", "candidate"], ["sample", item.name, "--uniform", "3", "--dry-run"],
            ] {
                let result = try cli.run(command)
                #expect(result.status == 1, "\(command): \(result.stderr)")
                let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") && !$0.hasPrefix("evaldb:") }
                #expect(errors.count == 1, "\(command): \(result.stderr)")
                #expect(errors.first?.hasPrefix("\(item.name):1:1: error: ") ?? false, "\(command): \(result.stderr)")
                #expect(result.stderr.contains(item.says) && result.stderr.contains("evaldb reads"), "\(command): \(result.stderr)")
            }
        }
        let after = [try cli.run(["versions", "--format", "json"]).output, try cli.run(["run", "list", "--format", "json"]).output]
        #expect(before == after, "nothing written")
    }

    @Test(
        "a line longer than a record may be is refused at FILE:LINE:1 by every reader, naming the limit, nothing written (the limit lowered for the test)"
    )
    func recordSizeLimit() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        func evaldb(_ arguments: [String], limit: Int? = 2_000) throws -> CLI.Result {
            var environment = ["EVALDB_DB": cli.database]
            if let limit { environment["EVALDB_TEST_MAX_RECORD_BYTES"] = String(limit) }
            return try CLI.execute(CLI.binary, arguments, in: cli.folder, environment: environment)
        }
        let long = String(repeating: "x", count: 3_000)
        let tooLong = record("a") + record("big", long) + record("c")
        // 500 × é is 1,000 bytes as written and 3,000 escaped as canonical JSON: the stored form counts.
        let grows = record("a") + record("grows", String(repeating: "é", count: 500))
        let limit = "longer than a record may be (2,000 bytes"
        let before = [try cli.run(["versions", "--format", "json"]).output, try cli.run(["run", "list", "--format", "json"]).output]
        try cli.write("big.jsonl", tooLong)
        for command in [["validate", "big.jsonl"], ["import", "big.jsonl"], ["hash", "big.jsonl"]] {
            let refused = try evaldb(command)
            #expect(refused.status == 1, "\(command): \(refused.stderr)")
            #expect(refused.stderr.contains("big.jsonl:2:1: error: the line is 3,"), "\(command): \(refused.stderr)")
            #expect(refused.stderr.contains(limit), "\(command): \(refused.stderr)")
        }
        try cli.write("grows.jsonl", grows)
        for command in [["validate", "grows.jsonl"], ["import", "grows.jsonl"]] {
            let refused = try evaldb(command)
            #expect(refused.status == 1, "\(command): \(refused.stderr)")
            #expect(refused.stderr.contains("grows.jsonl:2:1: error: the record is 3,"), "\(command): \(refused.stderr)")
            #expect(refused.stderr.contains("in canonical form") && refused.stderr.contains(limit), "\(command): \(refused.stderr)")
        }
        // The readers of results, proposals, verdicts and traces share the rule.
        let longResult = #"{"id": "booking-lookup-001", "pass": true, "output": "\#(long)"}"# + "\n"
        try cli.write("results.jsonl", #"{"id": "booking-lookup-002", "pass": true}"# + "\n" + longResult)
        try cli.write("proposals.jsonl", record("p-1") + record("p-2", long))
        try cli.write("verdicts.jsonl", #"{"id": "booking-lookup-002", "pass": true}"# + "\n" + longResult)
        try cli.write("traces.jsonl", #"{"trace_id": "t1", "input": "q"}"# + "\n" + #"{"trace_id": "t2", "input": "\#(long)"}"# + "\n")
        for (command, file) in [
            (["run", "record", "results.jsonl", "--name", "long", "--dataset-file", "golden.jsonl"], "results.jsonl"),
            (["propose", "proposals.jsonl"], "proposals.jsonl"), (["judge", "verdicts", "verdicts.jsonl", "--run", "candidate"], "verdicts.jsonl"),
            (["sample", "traces.jsonl", "--uniform", "5", "--dry-run"], "traces.jsonl"),
        ] {
            let refused = try evaldb(command)
            #expect(refused.status == 1, "\(command): \(refused.stderr)")
            #expect(refused.stderr.contains("\(file):2:1: error: the line is 3,") && refused.stderr.contains(limit), "\(command): \(refused.stderr)")
        }
        let after = [try cli.run(["versions", "--format", "json"]).output, try cli.run(["run", "list", "--format", "json"]).output]
        #expect(before == after, "nothing written")
        #expect(try cli.run(["review", "--proposals"], stdin: Data("q\n".utf8)).output.contains("no proposals are queued"))
        // Under the documented limit (a test cannot raise it), the same lines are records like any other.
        #expect(try evaldb(["validate", "big.jsonl", "grows.jsonl"], limit: nil).status == 0)
    }

    @Test("import --dry-run --ids lists the ids the file adds, changes and removes, and writes nothing")
    func dryRunIds() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        var lines = String(decoding: try cli.read("golden.jsonl"), as: UTF8.self).split(separator: "\n").map(String.init)
        let removed = try #require((try JSONSerialization.jsonObject(with: Data(lines[5].utf8)) as? [String: Any])?["id"] as? String)
        let changed = try #require((try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])?["id"] as? String)
        lines[1] = lines[1].replacingOccurrences(of: #"{"author": ""#, with: #"{"author": "x"#)
        lines.remove(at: 5)
        try cli.write("golden.jsonl", lines.joined(separator: "\n") + "\n")
        let result = try cli.run(["import", "golden.jsonl", "--dry-run", "--ids"])
        #expect(result.status == 0)
        #expect(result.output.contains("~ \(changed): author"), "\(result.output)")
        #expect(result.output.contains("- \(removed)"), "\(result.output)")
        let json =
            try JSONSerialization.jsonObject(with: try cli.run(["import", "golden.jsonl", "--dry-run", "--ids", "--format", "json"]).stdout)
            as! [[String: Any]]
        #expect(json.first?["removed ids"] as? [String] == [removed])
        #expect(try cli.run(["versions", "--format", "json"]).output.components(separatedBy: "\"version\"").count == 2, "one version still")
        #expect(try cli.run(["import", "golden.jsonl", "--ids"]).status == 2)
    }

    @Test("shell completion offers the database's run names and version numbers")
    func completionOfRunsAndVersions() throws {
        let cli = try sampleRuns()
        defer { cli.cleanUp() }
        // What the bash script of `evaldb --generate-completion-script bash` runs as one types.
        let runs = try cli.run(["---completion", "report", "--", "positional@0", "2", "0", "evaldb", "report", ""])
        #expect(Set(runs.output.split(separator: "\n").map(String.init)) == ["baseline", "candidate"], "\(runs.output) \(runs.stderr)")
        let versions = try cli.run(["---completion", "export", "--", "--version", "3", "0", "evaldb", "export", "--version", ""])
        #expect(versions.output.split(separator: "\n").map(String.init) == ["1"], "\(versions.output) \(versions.stderr)")
        let script = try cli.run(["--generate-completion-script", "bash"])
        #expect(script.status == 0 && script.output.contains("---completion compare -- positional@1"))
    }
}
