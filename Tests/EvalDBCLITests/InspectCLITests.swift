import Foundation
import Testing

@Suite("evaldb export --as inspect, run record --from inspect")
struct InspectCLITests {
    /// A CLI folder with three examples imported.
    func imported() throws -> CLI {
        let cli = try CLI()
        try cli.write("golden.jsonl", (1...3).map { record("ex-\($0)", "question \($0)") }.joined())
        let result = try cli.run(["import", "golden.jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        return cli
    }

    /// An Inspect .json log of the exported samples, the first `passing` scored C, the rest I.
    func log(of samples: [[String: Any]], passing: Int, withHash: Bool = true) throws -> String {
        var logged: [[String: Any]] = []
        for (index, sample) in samples.enumerated() {
            var metadata = sample["metadata"] as! [String: Any]
            if !withHash { metadata["evaldb_dataset"] = nil }
            logged.append([
                "id": sample["id"]!, "epoch": 1, "input": sample["input"]!, "target": sample["target"]!, "metadata": metadata,
                "output": ["model": "mockllm", "completion": "answer \(index)"],
                "scores": ["match": ["value": index < passing ? "C" : "I", "explanation": "why \(index)"]],
            ])
        }
        let document: [String: Any] = [
            "version": 2, "status": "success", "eval": ["task": "golden", "model": "mockllm/model", "eval_id": "E7"],
            "results": ["scores": [["name": "match", "metrics": ["accuracy": ["value": Double(passing) / Double(samples.count)]]]]],
            "samples": logged,
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    }

    func samples(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test("export --as inspect writes one Inspect sample an example; -o replaces its own export, never the dataset file, unless --force")
    func export() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        let printed = try cli.run(["export", "--as", "inspect"])
        #expect(printed.status == 0, "\(printed.stderr)")
        let samples = samples(printed.output)
        #expect(samples.map { $0["id"] as? String } == ["ex-1", "ex-2", "ex-3"])
        #expect(samples[0]["input"] as? String == "question 1")
        #expect(samples[0]["target"] as? String == #"{"action": "check_availability"}"#)
        let hash = try cli.run(["hash", "golden.jsonl"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((samples[0]["metadata"] as? [String: Any])?["evaldb_dataset"] as? String == hash)

        let dataset = try cli.read("golden.jsonl")
        let refused = try cli.run(["export", "--as", "inspect", "-o", "golden.jsonl"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("golden.jsonl exists and is not an Inspect dataset that evaldb wrote"), "\(refused.stderr)")
        #expect(try cli.read("golden.jsonl") == dataset)
        #expect(try cli.run(["export", "--as", "inspect", "-o", "inspect.jsonl"]).status == 0)
        let again = try cli.run(["export", "--as", "inspect", "-o", "inspect.jsonl"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("as an Inspect dataset to inspect.jsonl"))
        #expect(try cli.read("inspect.jsonl") == printed.stdout)
    }

    @Test("run record --from inspect pins the run to the hash in the samples' metadata; report gives the log's accuracy; meta names model and task")
    func recordLog() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        let samples = samples(try cli.run(["export", "--as", "inspect"]).output)
        try cli.write("log.json", try log(of: samples, passing: 2))
        let recorded = try cli.run(["run", "record", "--from", "inspect", "log.json", "--name", "inspect"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(recorded.output.hasPrefix("run inspect: 3 results against version 1"))
        let report = try cli.run(["report", "inspect", "--format", "json"])
        #expect(report.output.contains(#""examples": 3, "passed": 2, "rate": 66.7"#), "\(report.output)")
        let shown = try cli.run(["run", "show", "inspect", "--format", "json"])
        #expect(shown.output.contains(#"\"model\": \"mockllm/model\""#) || shown.output.contains(#""model": "mockllm/model""#), "\(shown.output)")
        #expect(shown.output.contains("log.json"))
        let exported = try cli.run(["run", "export", "inspect"]).output
        #expect(exported.contains(#""output": "answer 0""#) && exported.contains(#""rationale": "why 0""#) && exported.contains(#""trial": 0"#))
    }

    @Test("a log without the dataset hash needs --dataset; a log of another dataset than --dataset names is refused")
    func datasetChoice() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        let samples = samples(try cli.run(["export", "--as", "inspect"]).output)
        try cli.write("bare.json", try log(of: samples, passing: 1, withHash: false))
        let refused = try cli.run(["run", "record", "--from", "inspect", "bare.json", "--name", "bare"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("bare.json names no dataset") && refused.stderr.contains("--dataset"), "\(refused.stderr)")
        let given = try cli.run(["run", "record", "--from", "inspect", "bare.json", "--name", "bare", "--dataset-file", "golden.jsonl"])
        #expect(given.status == 0, "\(given.stderr)")

        try cli.write("golden.jsonl", (1...4).map { record("ex-\($0)", "question \($0)") }.joined())
        #expect(try cli.run(["import", "golden.jsonl"]).status == 0)
        try cli.write("v1.json", try log(of: samples, passing: 1))
        let mismatch = try cli.run(["run", "record", "--from", "inspect", "v1.json", "--name", "v1", "--dataset-file", "golden.jsonl"])
        #expect(mismatch.status != 0)
        #expect(mismatch.stderr.contains("is of dataset") && mismatch.stderr.contains("not of version 2"), "\(mismatch.stderr)")
        // Without --dataset, the log's own version (1) is used, though it is not the current one.
        let pinned = try cli.run(["run", "record", "--from", "inspect", "v1.json", "--name", "v1"])
        #expect(pinned.status == 0, "\(pinned.stderr)")
        #expect(pinned.output.contains("against version 1"))
        #expect(try cli.run(["run", "record", "r.jsonl", "--name", "x", "--dataset-file", "golden.jsonl", "--scorer", "match"]).status != 0)
    }

    @Test("--map reads another tool's results: JSONL or the array --each names; problems at FILE:LINE:COL; the source object kept")
    func mappedResults() throws {
        let cli = try imported()
        defer { cli.cleanUp() }
        try cli.write(
            "promptfoo.json",
            """
            {"results": {"results": [
              {"vars": {"id": "ex-1"}, "success": true, "score": 1, "response": {"output": "ok"}},
              {"vars": {"id": "ex-2"}, "success": false, "score": 0.5, "gradingResult": {"reason": "half"}}
            ]}}
            """)
        let mapped = [
            "--each", "/results/results", "--map", "id=/vars/id", "--map", "pass=/success", "--map", "score=/score", "--map",
            "output=/response/output", "--map", "rationale=/gradingResult/reason", "--dataset-file", "golden.jsonl",
        ]
        let recorded = try cli.run(["run", "record", "promptfoo.json", "--name", "pf"] + mapped)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let lines = try cli.run(["run", "export", "pf"]).output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(
            lines[0].hasPrefix(#"{"id": "ex-1", "mapped_from": {"response": {"output": "ok"}, "score": 1, "success": true, "vars": {"id": "ex-1"}}"#))
        #expect(lines[0].hasSuffix(#""output": "ok", "pass": true, "score": 1.0}"#), "\(lines[0])")
        #expect(lines[1].contains(#""pass": false, "rationale": "half", "score": 0.5"#), "\(lines[1])")

        try cli.write("other.jsonl", "{\"case\": {\"name\": \"ex-1\"}, \"ok\": \"C\"}\n\n{\"case\": {\"name\": \"ex-2\"}, \"ok\": \"perhaps\"}\n")
        let refused = try cli.run([
            "run", "record", "other.jsonl", "--name", "o", "--map", "id=/case/name", "--map", "pass=/ok", "--dataset-file", "golden.jsonl",
        ])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(#"other.jsonl:3:34: error: pass must be"#), "\(refused.stderr)")
        let unknown = try cli.run(["run", "record", "other.jsonl", "--name", "o", "--map", "id=/case/name", "--dataset-file", "golden.jsonl"])
        #expect(unknown.status != 0 && unknown.stderr.contains("--map needs pass=JSON-POINTER"), "\(unknown.stderr)")
    }
}
