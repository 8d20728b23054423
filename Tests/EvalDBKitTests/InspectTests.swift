import Foundation
import Testing

@testable import EvalDBKit

@Suite("Inspect AI: datasets out, logs in")
struct InspectTests {
    static let fixtureHash = "sha256:" + String(repeating: "ab", count: 32)

    static func exported(_ lines: [String]) throws -> [[String: Any]] {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let version = try store.importFile(try folder.write("g.jsonl", lines.map { $0 + "\n" }.joined()), options: by()).version
        var bytes: [UInt8] = []
        try store.exportInspect(version) { bytes.append(contentsOf: $0) }
        let objects = try Fixtures.linesAsObjects(Data(bytes))
        for object in objects { #expect((object["metadata"] as? [String: Any])?["evaldb_dataset"] as? String == version.hash) }
        return objects
    }

    @Test("export as Inspect: text stays text, a conversation stays messages, other values become JSON text with non-ASCII as itself")
    func exportShapes() throws {
        let samples = try Self.exported([
            #"{"author": "@ana", "context": null, "created_at": "2026-04-16", "expected_output": "Caf\u00e9 at 8", "id": "a", "input": "where is the caf\u00e9?", "labels": {"feature": "f"}, "notes": null, "source": "s"}"#,
            #"{"author": "@ana", "context": [{"tool": "t"}], "created_at": "2026-04-16", "expected_output": {"action": "reply", "must_include": ["\u20ac15"]}, "id": "b", "input": [{"content": "hi", "role": "user"}, {"content": "yes?", "role": "assistant"}], "labels": {"feature": "g"}, "notes": "n", "source": "s"}"#,
            #"{"author": "@ana", "context": null, "created_at": "2026-04-16", "expected_output": ["a", "b"], "id": "c", "input": {"form": {"party": 2}}, "labels": {"feature": "g"}, "notes": null, "source": "s"}"#,
            #"{"author": "@ana", "context": null, "created_at": "2026-04-16", "expected_output": 3, "id": "d", "input": [{"content": "x", "name": "n", "role": "user"}], "labels": {}, "notes": null, "source": "s"}"#,
        ])
        #expect(samples.map { $0["id"] as? String } == ["a", "b", "c", "d"])
        #expect(samples[0]["input"] as? String == "where is the café?")
        #expect(samples[0]["target"] as? String == "Café at 8")
        let conversation = samples[1]["input"] as? [[String: String]]
        #expect(conversation == [["content": "hi", "role": "user"], ["content": "yes?", "role": "assistant"]])
        #expect(samples[1]["target"] as? String == #"{"action": "reply", "must_include": ["€15"]}"#)
        #expect(samples[2]["input"] as? String == #"{"form": {"party": 2}}"#)
        #expect(samples[2]["target"] as? String == #"["a", "b"]"#)
        // A message with a member Inspect would drop is no chat message: the input is its JSON text.
        #expect(samples[3]["input"] as? String == #"[{"content": "x", "name": "n", "role": "user"}]"#)
        #expect(samples[3]["target"] as? String == "3")
        let metadata = samples[1]["metadata"] as? [String: Any]
        #expect(
            Set(metadata?.keys.map { $0 } ?? []) == [
                "author", "context", "created_at", "evaldb_dataset", "expected_output", "labels", "notes", "source",
            ])
        #expect((metadata?["labels"] as? [String: String]) == ["feature": "g"])
    }

    @Test("JSON text unescapes characters from U+007F on, a surrogate pair as one; control characters, quotes and lone surrogates stay escaped")
    func unescaping() {
        func text(_ canonical: String) -> String { String(decoding: InspectDataset.unescapingNonASCII(Array(canonical.utf8)), as: UTF8.self) }
        #expect(text(#""caf\u00e9 \u20ac \ud83d\ude00 \u007f""#) == "\"café € 😀 \u{7f}\"")
        #expect(text(#""a\u0001b\"c\\d\n""#) == #""a\u0001b\"c\\d\n""#)
        #expect(text(#""\\u00e9""#) == #""\\u00e9""#)  // an escaped backslash, then the letters u00e9
        #expect(text(#""\ud83d x""#) == #""\ud83d x""#)
    }

    @Test("an Inspect .json log: epoch N is trial N-1, scores read as Inspect reads them, pass at 1, errors kept as errors")
    func readJSONLog() throws {
        let log = try InspectLog.read(path: Fixtures.url("inspect/scores.json").path)
        #expect(log.datasetHash == Self.fixtureHash)
        #expect(log.task == "golden" && log.model == "mockllm/model" && log.scorer == "match" && log.status == "success")
        #expect(log.meta.map(\.key) == ["model", "task", "scorer", "inspect_eval_id", "inspect_status"])
        #expect(log.errors == 1)
        let results = try Fixtures.linesAsObjects(Data(log.lines.flatMap { $0 + [0x0A] }))
        #expect(results.map { "\($0["id"]!)/\($0["trial"]!)" } == ["ex-0001/0", "ex-0001/1", "ex-0002/0", "ex-0003/0", "ex-0004/0", "ex-0005/0"])
        #expect(results.map { $0["pass"] as? Bool } == [true, false, true, false, false, false])
        #expect(results.prefix(5).map { $0["score"] as? Double } == [1, 0, 1, 0.5, 0.25])
        #expect(results[3]["rationale"] as? String == "partly right")
        #expect(results[4]["output"] as? String == "café")
        #expect((results[0]["usage"] as? [String: Int])?["total_tokens"] == 5)
        #expect((results[1]["inspect"] as? [String: Any])?["epoch"] as? Int == 2)
        let error = results[5]["error"] as? [String: String]
        #expect(error == ["kind": "inspect", "message": "RuntimeError: the model went away"])
        #expect(results[5]["score"] == nil)
    }

    @Test(".eval logs read the same as the .json log, their entries DEFLATE or Zstandard, in the dataset's order")
    func readEvalLogs() throws {
        let json = try InspectLog.read(path: Fixtures.url("inspect/scores.json").path)
        for name in ["inspect/scores-deflate.eval", "inspect/scores-zstd.eval"] {
            let log = try InspectLog.read(path: Fixtures.url(name).path)
            #expect(log.lines == json.lines, "\(name)")
            #expect(log.datasetHash == json.datasetHash)
            #expect(log.meta.map(\.value) == json.meta.map(\.value))
        }
    }

    @Test("a score Inspect cannot read as a number, or a missing epoch, is refused at the log's FILE:LINE:COL")
    func refusedScores() throws {
        let path = Fixtures.url("inspect/bad-score.json").path
        do {
            _ = try InspectLog.read(path: path)
            Issue.record("the log was read")
        } catch EvalDBError.invalidData(let errors, _) {
            #expect(errors.map { "\($0.line):\($0.column)" } == ["7:65", "8:32"])
            #expect(errors.allSatisfy { $0.file == path })
            #expect(errors[0].message.contains(#"found {"accuracy": 1, "f1": 0.5}"#))
            #expect(errors[1].message.contains("\"epoch\""))
        }
    }

    @Test("a log that is no JSON is refused at its line and column; a file that is no zip archive nor log says so")
    func refusedFiles() throws {
        let folder = try TemporaryFolder()
        let broken = try folder.write("broken.json", "{\n  \"samples\": [,]\n}\n")
        do {
            _ = try InspectLog.read(path: broken)
            Issue.record("read")
        } catch EvalDBError.invalidData(let errors, _) {
            #expect(errors.map { "\($0.line):\($0.column)" } == ["2:15"])
        }
        let notZip = try folder.write("x.eval", "not a zip")
        #expect(throws: EvalDBError.self) { try InspectLog.read(path: notZip) }
    }

    @Test("recording an Inspect log: errors are left out of the pass rate; an id not in the version is named at its place in the log")
    func recordLog() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let version = try store.importFile(try folder.write("g.jsonl", Sample.file(count: 5)), options: by()).version
        let log = try InspectLog.read(path: Fixtures.url("inspect/scores.json").path)
        let recorded = try store.recordRun(inspect: log, against: version, options: RunOptions(name: "inspect", meta: [("model", "mine")]))
        #expect(recorded.run.resultCount == 6)
        #expect(recorded.run.sourcePath?.hasSuffix("scores.json") == true)
        #expect(recorded.run.meta.contains(#""model": "mine""#) && recorded.run.meta.contains(#""scorer": "match""#))
        let report = try store.report(recorded.run)
        #expect(report.overall.examples == 4)  // ex-0005 errored
        #expect(report.overall.passed == 1.5)  // ex-0001 half its trials, ex-0002; P (0.5) and 0.25 are no pass
        #expect(report.overall.errors == 1)

        let small = try store.importFile(try folder.write("g.jsonl", Sample.file(count: 3)), options: by()).version
        do {
            _ = try store.recordRun(inspect: log, against: small, options: RunOptions(name: "small"))
            Issue.record("recorded")
        } catch EvalDBError.invalidData(let errors, _) {
            #expect(errors.map(\.file) == [Fixtures.url("inspect/scores.json").path, Fixtures.url("inspect/scores.json").path])
            #expect(errors.first?.message.contains("\"ex-0004\" is not an example") == true)
            #expect(errors.first?.line ?? 0 > 1)
        }
    }

    @Test("with several scorers the log's first is read unless one is named; a pooled completion is read from the attachments")
    func scorersAndAttachments() throws {
        let folder = try TemporaryFolder()
        let sample = #"""
            {"id": "a", "epoch": 1, "scores": {"exact": {"value": "I"}, "judge": {"value": "C"}},
             "output": {"completion": "attachment://h1"}, "attachments": {"h1": "a long answer"}}
            """#
        let headed = try folder.write("headed.json", #"{"results": {"scores": [{"name": "judge"}]}, "samples": [\#(sample)]}"#)
        let bare = try folder.write("bare.json", #"{"samples": [\#(sample)]}"#)
        func results(_ log: InspectLog) throws -> [[String: Any]] { try Fixtures.linesAsObjects(Data(log.lines.flatMap { $0 + [0x0A] })) }
        let first = try results(try InspectLog.read(path: headed))
        #expect(first[0]["pass"] as? Bool == true)
        #expect(first[0]["output"] as? String == "a long answer")
        #expect(try results(try InspectLog.read(path: headed, scorer: "exact"))[0]["pass"] as? Bool == false)
        #expect(try InspectLog.read(path: bare, scorer: "judge").scorer == "judge")
        do {
            _ = try InspectLog.read(path: bare)
            Issue.record("read without a scorer")
        } catch EvalDBError.invalidData(let errors, _) {
            #expect(errors.first?.message.contains("several scorers (exact, judge)") == true, "\(errors)")
            #expect(errors.first?.line == 1)
        }
    }
}
