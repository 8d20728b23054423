import Foundation
import Testing

/// `count` plain traces, one a line: every third a refund, sessions of two.
private func traces(_ count: Int, from first: Int = 1) -> String {
    (first..<(first + count)).map { i in
        let intent = i % 3 == 0 ? "refund" : "booking"
        return
            #"{"trace_id": "t\#(i)", "session_id": "s\#((i + 1) / 2)", "timestamp": "2026-04-15T10:00:00Z", "input": "question \#(i)", "output": "answer \#(i)", "attributes": {"intent": "\#(intent)"}}"#
            + "\n"
    }.joined()
}

@Suite("evaldb sample")
struct SampleCLITests {
    /// A CLI folder with the dataset of `record` imported.
    func imported() throws -> CLI {
        let cli = try CLI()
        try cli.write("golden.jsonl", (1...3).map { record("ex-\($0)", "question \($0 * 100)") }.joined())
        let result = try cli.run(["import", "golden.jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        return cli
    }

    @Test("strata and a uniform sample become proposals; review --proposals accepts them; the examples carry their sampling facts")
    func sampleThenReview() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        try cli.write("traces.jsonl", traces(60))
        let sampled = try cli.run([
            "sample", "traces.jsonl", "--stratum", "refund:attributes.intent=refund", "--quota", "refund=3", "--uniform", "2", "--seed", "s1",
            "--label", "feature=booking-lookup",
        ])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        let lines = sampled.output.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("stratum") && lines[0].contains("inclusion probability"))
        #expect(lines.contains { $0.hasPrefix("refund") && $0.contains("attributes.intent=refund, quota 3") && $0.contains("0.15") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("uniform") && $0.contains("the rest, quota 2") }, "\(lines)")
        #expect(sampled.output.contains("read 60 traces from traces.jsonl (plain)"))
        #expect(sampled.output.contains("queued 5 proposals (seed s1)"))
        #expect(sampled.output.contains("next: evaldb review --proposals"))

        let review = try cli.run(["review", "--proposals", "--reviewer", "pat"], stdin: Data("a\na\na\na\na\n".utf8))
        #expect(review.status == 0, "\(review.stderr)")
        let refunds = try cli.run(["slice", "--where", "stratum=refund", "--format", "jsonl"])
        let records = refunds.output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(records.count == 3)
        for record in records {
            let labels = record["labels"] as! [String: Any]
            #expect(labels["inclusion_probability"] as? Double == 0.15, "3 of the 20 refunds")
            #expect(labels["stratum_size"] as? Int == 20 && labels["sample_seed"] as? String == "s1")
            #expect(labels["feature"] as? String == "booking-lookup" && labels["trace_file"] as? String == "traces.jsonl")
            #expect((record["id"] as? String)?.hasPrefix("trace-t") == true)
            #expect(record["source"] as? String == "prod-trace:2026-04-15")
        }
        // The same command again: the same traces, none queued twice.
        let again = try cli.run([
            "sample", "traces.jsonl", "--stratum", "refund:attributes.intent=refund", "--quota", "refund=3", "--uniform", "2", "--seed", "s1",
        ])
        #expect(again.status == 0)
        #expect(again.output.contains("queued 0 proposals"))
        #expect(
            again.stderr.split(separator: "\n").filter { $0.contains("not proposed again") && $0.contains("exists already") }.count == 5,
            "\(again.stderr)")
    }

    @Test("report --weighted re-weights a run's pass rate by the sampled examples' inclusion probabilities")
    func reportWeighted() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        try cli.write("traces.jsonl", traces(60))
        let sampled = try cli.run([
            "sample", "traces.jsonl", "--stratum", "refund:attributes.intent=refund", "--quota", "refund=3", "--uniform", "2", "--seed", "s1",
        ])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        _ = try cli.run(["review", "--proposals", "--reviewer", "pat"], stdin: Data("a\na\na\na\na\n".utf8))
        #expect(try cli.run(["export", "-o", "current.jsonl"]).status == 0)
        // Every refund fails, every other example passes.
        let records = String(decoding: try cli.read("current.jsonl"), as: UTF8.self).split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let results = records.map { record in
            let refund = (record["labels"] as? [String: Any])?["stratum"] as? String == "refund"
            return #"{"id": "\#(record["id"] as! String)", "pass": \#(!refund)}"#
        }.joined(separator: "\n")
        try cli.write("results.jsonl", results + "\n")
        #expect(try cli.run(["run", "record", "results.jsonl", "--name", "prod", "--dataset-file", "current.jsonl"]).status == 0)
        let report = try cli.run(["report", "prod", "--weighted", "--format", "json"])
        #expect(report.status == 0, "\(report.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: report.stdout) as? [[String: Any]])
        // Overall: 5 of the 8 examples pass. Weighted: the 3 refunds stand for 20 traces (π = 0.15), the
        // 2 others for 40 (π = 0.05): 40 passing of 60, 66.7%, where the 5 sampled ones read 2/5 = 40.0%.
        #expect((rows[0]["rate"] as? NSNumber)?.doubleValue == 62.5)
        let weighted = try #require(rows.last)
        #expect((weighted["rate"] as? NSNumber)?.doubleValue == 66.7, "\(weighted)")
        #expect(weighted["examples"] as? Int == 5)
        // Which row is the weighted one is data, not only words of the note.
        #expect(rows.map { $0["weighted"] as? Bool } == Array(repeating: false, count: rows.count - 1) + [true], "\(rows)")
        let note = try #require(weighted["note"] as? String)
        #expect(note.contains("5 sampled examples standing for 60 traces; unweighted 40.0; 3 examples without one left out"), "\(note)")
        let low = try #require((weighted["low"] as? NSNumber)?.doubleValue), high = try #require((weighted["high"] as? NSNumber)?.doubleValue)
        #expect(low < 66.7 && high > 66.7 && high <= 100)
        let table = try cli.run(["report", "prod", "--weighted"])
        #expect(table.output.contains("weighted by inclusion probability"), "\(table.output)")
    }

    @Test("--dry-run prints the proposals as JSONL and queues nothing, with or without a database")
    func dryRun() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("traces.jsonl", traces(10))
        let bare = try cli.run(["sample", "traces.jsonl", "--uniform", "3", "--dry-run"])
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(bare.stderr.contains("no database"))
        #expect(!FileManager.default.fileExists(atPath: cli.database))
        let lines = bare.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] })

        try cli.write("golden.jsonl", record("ex-1", "question 1"))
        _ = try cli.run(["import", "golden.jsonl"])
        let checked = try cli.run(["sample", "traces.jsonl", "--uniform", "20", "--per-session", "2", "--dry-run"])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.output.split(separator: "\n").count == 9, "t1 repeats ex-1's input")
        #expect(
            checked.stderr.contains("skipped 1 trace: same input as an example (first: t1 (traces.jsonl:1), like example ex-1)"), "\(checked.stderr)")
        #expect(checked.stderr.contains("would queue 9 proposals"))
        // --format json: the same proposals as one JSON document (an array), on one line.
        let json = try cli.run(["sample", "traces.jsonl", "--uniform", "20", "--per-session", "2", "--dry-run", "--format", "json"])
        #expect(json.status == 0 && json.output.split(separator: "\n").count == 1, "\(json.output)")
        let array = try JSONSerialization.jsonObject(with: json.stdout) as? [[String: Any]]
        #expect(array?.count == 9)
        #expect(
            array?.compactMap { $0["id"] as? String }
                == checked.output.split(separator: "\n").compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String
                })
        let review = try cli.run(["review", "--proposals"], stdin: Data("q\n".utf8))
        #expect(review.output.contains("no proposals are queued"), "\(review.output)")
    }

    @Test("--format json prints the strata, the skipped traces and the proposals as data")
    func json() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        try cli.write("traces.jsonl", traces(9) + #"{"trace_id": "dup", "input": "QUESTION  100"}"# + "\n")
        let result = try cli.run(["sample", "traces.jsonl", "--rate", "100", "--per-session", "5", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(object["traces"] as? Int == 10)
        let strata = try #require(object["strata"] as? [[String: Any]])
        #expect(strata.count == 1 && strata[0]["chosen"] as? Int == 9 && strata[0]["inclusion_probability"] as? Double == 1)
        let skipped = try #require(object["skipped"] as? [[String: Any]])
        #expect(skipped.first?["reason"] as? String == "same input as an example after white space and case folding")
        #expect((object["queued"] as? [[String: Any]])?.count == 9)
    }

    @Test("every skipped trace is listed, not only the first of each reason: --skipped FILE one a line, and --format json")
    func everySkippedTraceListed() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        // Three traces repeat ex-1's input, one ex-2's after folding; sessions of two set one of each pair aside.
        let repeats = (1...3).map { #"{"trace_id": "dup-\#($0)", "input": "question 100"}"# + "\n" }.joined()
        try cli.write("traces.jsonl", traces(4) + repeats + #"{"trace_id": "fold", "input": "QUESTION  200"}"# + "\n")
        let dry = try cli.run(["sample", "traces.jsonl", "--uniform", "20", "--dry-run", "--skipped", "skipped.jsonl"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stderr.contains("skipped 3 traces: same input as an example (first: dup-1 (traces.jsonl:5), like example ex-1)"), "\(dry.stderr)")
        let lines = String(decoding: try cli.read("skipped.jsonl"), as: UTF8.self).split(separator: "\n")
        let listed = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let exact = listed.filter { $0["reason"] as? String == "same input as an example" }
        #expect(exact.map { $0["trace_id"] as? String } == ["dup-1", "dup-2", "dup-3"], "\(listed)")
        #expect(exact.map { $0["line"] as? Int } == [5, 6, 7] && exact.allSatisfy { $0["file"] as? String == "traces.jsonl" })
        #expect(exact.allSatisfy { $0["like"] as? String == "example ex-1" })
        #expect(listed.contains { $0["trace_id"] as? String == "fold" && ($0["reason"] as? String)?.contains("folding") == true })
        let sessions = listed.filter { $0["reason"] as? String == "a trace of the same session has a smaller hash" }
        #expect(sessions.count == 2 && sessions.allSatisfy { ($0["like"] as? String)?.hasPrefix("session s") == true }, "\(listed)")
        #expect(listed.count == 6)

        // Queued, then again: the chosen traces sampled before are listed too; --format json holds every one.
        #expect(try cli.run(["sample", "traces.jsonl", "--uniform", "20"]).status == 0)
        let again = try cli.run(["sample", "traces.jsonl", "--uniform", "20", "--format", "json", "--skipped", "again.jsonl"])
        #expect(again.status == 0, "\(again.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: again.stdout) as? [String: Any])
        let skipped = try #require(object["skipped"] as? [[String: Any]])
        #expect(skipped.map { ($0["traces"] as? [Any])?.count } == skipped.map { $0["count"] as? Int }, "\(skipped)")
        #expect(skipped.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 6)
        let againLines = String(decoding: try cli.read("again.jsonl"), as: UTF8.self).split(separator: "\n")
        #expect(againLines.count == 6 + 2, "the six, and the two chosen before: \(againLines)")
        #expect(againLines.filter { $0.contains(#""reason": "sampled before""#) }.count == 2)
    }

    @Test("usage errors name the flag and exit 2; bad trace lines exit 1 at FILE:LINE:COL and queue nothing")
    func errors() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        try cli.write("traces.jsonl", traces(3))
        let cases: [([String], String)] = [
            (["sample", "traces.jsonl"], "nothing to sample"),
            (["sample", "traces.jsonl", "--stratum", "refund:attributes.intent=refund"], "add --quota refund=K"),
            (["sample", "traces.jsonl", "--quota", "vip=3", "--uniform", "1"], "no --stratum vip"),
            (["sample", "traces.jsonl", "--stratum", "refund:intent=refund", "--quota", "refund=1"], "a trace has no key \"intent\""),
            (["sample", "traces.jsonl", "--map", "question=/q", "--uniform", "1"], "no trace field \"question\""),
            (["sample", "traces.jsonl", "--map", "input=q", "--uniform", "1"], "starts with \"/\""),
            (["sample", "traces.jsonl", "--uniform", "1", "--rate", "50"], "not both"),
            (["sample", "traces.jsonl", "--rate", "200"], "a percent is from 0 to 100"),
            (["sample", "traces.jsonl", "--rate", "0"], "a rate is above 0% and at most 100%"),
        ]
        for (arguments, words) in cases {
            let result = try cli.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(words), "\(arguments): \(result.stderr)")
        }
        try cli.write("bad.jsonl", traces(2) + "{\"trace_id\": \"x\" \"input\": \"y\"}\n" + "{\"input\": \"no id\"}\n")
        let bad = try cli.run(["sample", "bad.jsonl", "--uniform", "5"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.jsonl:3:18: error: "), "\(bad.stderr)")
        #expect(bad.stderr.contains("bad.jsonl:4:1: error: a trace needs \"trace_id\""), "\(bad.stderr)")
        #expect(bad.stderr.contains("nothing was written"))
        let review = try cli.run(["review", "--proposals"], stdin: Data("q\n".utf8))
        #expect(review.output.contains("no proposals are queued"))
    }

    @Test("OTLP and LangSmith files are recognised from their content, and read from standard input")
    func formsAndStandardInput() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("EvalDBKitTests/Fixtures/traces")
        let otlp = try Data(contentsOf: fixtures.appendingPathComponent("otlp.jsonl"))
        let fromStdin = try cli.run(["sample", "-", "--uniform", "10", "--dry-run"], stdin: otlp)
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        #expect(fromStdin.stderr.contains("read 3 traces from - (otlp)"), "\(fromStdin.stderr)")
        let langsmith = try cli.run(["sample", fixtures.appendingPathComponent("langsmith.jsonl").path, "--uniform", "10", "--dry-run"])
        #expect(langsmith.stderr.contains("(langsmith)") && langsmith.output.split(separator: "\n").count == 3, "\(langsmith.stderr)")
    }

    @Test("the proposals are team state: deleting .evaldb and syncing brings them back")
    func teamState() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-sample-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try Clone.new(in: folder, user: "ana")
        #expect(try clone.evaldb(["import", "evals/data/v0/golden.jsonl"]).status == 0)
        try Data(traces(12).utf8).write(to: URL(fileURLWithPath: clone.path + "/prod.jsonl"))
        let sampled = try clone.evaldb(["sample", "prod.jsonl", "--uniform", "4", "--seed", "team"])
        #expect(sampled.status == 0 && sampled.output.contains("queued 4 proposals"), "\(sampled.output) \(sampled.stderr)")
        try clone.commitAll("sampled traces")
        try FileManager.default.removeItem(atPath: clone.path + "/.evaldb")
        #expect(try clone.evaldb(["sync"]).status == 0)
        let again = try clone.evaldb(["sample", "prod.jsonl", "--uniform", "4", "--seed", "team"])
        #expect(again.output.contains("queued 0 proposals"), "\(again.output)")
        #expect(again.stderr.split(separator: "\n").filter { $0.contains("queued already") }.count == 4, "\(again.stderr)")
    }
}
