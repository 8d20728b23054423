import Crypto
import Foundation
import Testing

/// Versions form a graph keyed by dataset hash, and every version any clone made reaches every
/// other clone through git alone (docs/teams.md).
@Suite("versions as a graph: what one clone made, every clone has")
struct VersionGraphTests {
    let folder: String
    static let dataset = "evals/data/v0/golden.jsonl"

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-graph-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    @discardableResult
    func ok(_ clone: Clone, _ arguments: [String], stdin: String? = nil) throws -> String {
        let result = try clone.evaldb(arguments, stdin: stdin)
        #expect(result.status == 0, "evaldb \(arguments.joined(separator: " ")) in \(clone.user): \(result.output) \(result.stderr)")
        return result.output
    }

    func json(_ clone: Clone, _ arguments: [String]) throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(try ok(clone, arguments + ["--format", "json"]).utf8)) as! [[String: Any]]
    }

    func sha256(_ data: Data) -> String { "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    @Test("a run recorded on a side branch's version reaches the other clones and a fresh one, pinned to that exact dataset")
    func runOnSideBranchVersion() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        try ana.commitAll("version 1")
        let ben = try Clone.clone(ana, in: folder, user: "ben")
        try ok(ben, ["sync"])

        // Both edit at once; ben records a run on his version and commits it.
        try ok(ben, ["review", "--reviewer", "ben"], stdin: String(repeating: "s\n", count: 10) + "l scenario=ben-side\ny\nq\n")
        try ok(ben, ["run", "record", "evals/runs/baseline.jsonl", "--name", "side", "--dataset-file", Self.dataset])
        try ben.commitAll("ben: a version and a run")
        let benCommit = try ben.git("rev-parse", "HEAD").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let benHash = sha256(try ben.read(Self.dataset))
        try ok(ana, ["review", "--reviewer", "ana"], stdin: "n ana's note\ny\nq\n")
        try ana.commitAll("ana: a version")

        // Ana merges ben's branch: his exact dataset becomes a version here, with his run on it.
        try ana.git("fetch", "-q", ben.path, "HEAD")
        try ana.git("merge", "-q", "--no-edit", "FETCH_HEAD")
        let synced = try ana.evaldb(["sync"])
        #expect(synced.status == 0, "\(synced.output) \(synced.stderr)")
        #expect(!synced.output.contains("skipped:"), "\(synced.output)")
        let carol = try Clone.clone(ana, in: folder, user: "carol")
        try ok(carol, ["sync"])
        try ben.git("fetch", "-q", ana.path, "HEAD")
        try ben.git("merge", "-q", "--no-edit", "FETCH_HEAD")
        try ok(ben, ["sync"])
        var reports: [String] = []
        for clone in [ana, ben, carol] {
            let runs = try json(clone, ["run", "list"])
            #expect(runs.map { $0["name"] as? String } == ["side"], "\(clone.user)")
            #expect(runs.first?["dataset"] as? String == benHash, "\(clone.user): the run is pinned to ben's exact dataset")
            var report = try json(clone, ["report", "side"])
            for index in report.indices { report[index].removeValue(forKey: "version") }
            reports.append(String(decoding: try JSONSerialization.data(withJSONObject: report, options: .sortedKeys), as: UTF8.self))
            // `--version COMMIT` is the dataset that commit holds, in every clone.
            #expect(try ok(clone, ["hash", "--version", benCommit]).trimmingCharacters(in: .whitespacesAndNewlines) == benHash)
            #expect(
                try ok(clone, ["export", "--version", benCommit])
                    == String(decoding: try ben.git("show", "\(benCommit):\(Self.dataset)").stdout, as: UTF8.self))
        }
        #expect(Set(reports).count == 1, "the run's report is the same everywhere")
        // The versions are the same set, with the same authors, messages and parents, everywhere.
        func graph(_ clone: Clone) throws -> [String] {
            try json(clone, ["versions"]).map { "\($0["hash"]!) \($0["author"]!) \($0["message"]!) \($0["parents"]!)" }.sorted()
        }
        #expect(try graph(ana) == graph(ben) && graph(ana) == graph(carol))
        #expect(try graph(ana).count == 4, "version 1, ana's, ben's and the merge")
        // `versions --graph` draws it as git log --graph draws the commits.
        let drawn = try ok(carol, ["versions", "--graph"]).split(separator: "\n").map(String.init)
        #expect(drawn.count == 6 && drawn[0].hasPrefix("*  ") && drawn[0].contains("Merge"), "\(drawn)")
        #expect(drawn[1] == "|\\" && drawn[4] == "|/" && drawn[5].hasPrefix("*  ") && drawn[5].contains("first"), "\(drawn)")
        #expect(drawn[2].hasPrefix("| *  ") != drawn[3].hasPrefix("| *  "), "one side on each lane: \(drawn)")
    }

    @Test("a run, a verdict and a failure category on a version no commit ever holds (a split, then a review, then one commit) reach every clone")
    func runOnUncommittedVersion() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        try ana.commitAll("version 1")
        try ok(ana, ["split", "--train", "60", "--dev", "20", "--test", "20", "--seed", "3"])  // version 2, never committed
        let split = try json(ana, ["versions"]).last!["hash"] as! String
        let splitExport = try ok(ana, ["export", "--version", split])
        try ok(ana, ["review", "--reviewer", "ana"], stdin: "n checked\ny\nq\n")  // version 3
        try ok(ana, ["run", "record", "evals/runs/candidate.jsonl", "--name", "candidate", "--dataset-file", Self.dataset])
        try ok(ana, ["review", "--run", "candidate", "--failed", "--reviewer", "ana"], stdin: "f wrong-date\nv fail\nq\n")
        try ana.commitAll("split, review, a run: one commit")

        let ben = try Clone.clone(ana, in: folder, user: "ben")
        let synced = try ben.evaldb(["sync"])
        #expect(synced.status == 0, "\(synced.output) \(synced.stderr)")
        #expect(try json(ben, ["versions"]).count == 3, "the split's version too, though no commit holds it")
        #expect(try ok(ben, ["export", "--version", split]) == splitExport, "byte for byte as ana made it")
        #expect(try json(ben, ["run", "list"]).map { $0["name"] as? String } == ["candidate"])
        #expect(try ok(ben, ["report", "candidate"]).contains("wrong-date"), "the failure category set on it")
        #expect(try ok(ben, ["status"]).contains("read by ana: 1 of 42"))
        let verdicts = try CLI.execute(
            "/usr/bin/env", ["sqlite3", ben.path + "/.evaldb/evaldb.sqlite", "SELECT reviewer, pass FROM human_verdicts"], in: ben.path)
        #expect(verdicts.output.trimmingCharacters(in: .whitespacesAndNewlines) == "ana|0", "ana's verdict on the run: \(verdicts.output)")
    }

    @Test("sync names what it cannot place and exits 1: a run on a dataset nobody has, a change set whose base is nowhere")
    func syncNamesWhatItCannotPlace() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        try ana.commitAll("version 1")
        let nowhere = "sha256:" + String(repeating: "ab", count: 32)
        try FileManager.default.createDirectory(atPath: ana.path + "/evals/log/runs", withIntermediateDirectories: true)
        try Data(
            """
            {"at": "2026-12-01T10:00:00Z", "by": "zed", "dataset": "\(nowhere)", "event": "run", "meta": {}, "name": "lost", "results": 1}
            {"id": "booking-lookup-001", "pass": true}

            """.utf8
        ).write(to: URL(fileURLWithPath: ana.path + "/evals/log/runs/lost-000000000000.jsonl"))
        try FileManager.default.createDirectory(atPath: ana.path + "/evals/log/versions", withIntermediateDirectories: true)
        try Data(
            """
            {"at": "2026-12-01T10:00:00Z", "base": "\(nowhere)", "by": "zed", "event": "version", "hash": "sha256:\(String(repeating: "cd", count: 32))", "message": "lost too", "parents": ["\(nowhere)"], "path": "\(Self.dataset)"}
            {"remove": "booking-lookup-001"}

            """.utf8
        ).write(to: URL(fileURLWithPath: ana.path + "/evals/log/versions/cdcdcdcdcdcd-000000000000.jsonl"))
        let synced = try ana.evaldb(["sync"])
        #expect(synced.status == 1, "\(synced.output) \(synced.stderr)")
        #expect(synced.output.contains("run lost") && synced.output.contains("no version here"), "\(synced.output)")
        #expect(synced.output.contains("sha256:cdcdcdcdcdcd") && synced.output.contains("not placed"), "\(synced.output)")
        let status = try ana.evaldb(["status"])
        #expect(status.output.contains("team log: 2 files"), "status says what git does not hold yet: \(status.output)")
    }

    @Test("a fresh clone's first version is read from its change set only when it gives git's very bytes: a forged one gives way to git")
    func firstVersionFromChangeSet() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        // Imported before it is committed: the version's file in the log holds its records.
        let sample = String(decoding: try ana.read(Self.dataset), as: UTF8.self).split(separator: "\n")
        try Data((sample.dropLast().joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: ana.path + "/" + Self.dataset))
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        try ana.commitAll("version 1")
        let first = try ana.git("rev-parse", "HEAD").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let held = try ana.git("show", "\(first):\(Self.dataset)").stdout
        let carol = try Clone.clone(ana, in: folder, user: "carol")
        try ok(carol, ["sync"])
        #expect(try ok(carol, ["hash", "--version", first]).trimmingCharacters(in: .whitespacesAndNewlines) == sha256(held))
        #expect(try ok(carol, ["export", "--version", first]) == String(decoding: held, as: UTF8.self))

        // Someone rewrites the change set: one record changed, and its hash and check line made to
        // agree with the new records. What git holds is still the first commit's dataset.
        let versions = ana.path + "/evals/log/versions"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: versions).first { $0.hasSuffix(".jsonl") })
        var lines = String(decoding: try ana.read("evals/log/versions/" + name), as: UTF8.self).split(separator: "\n").map(String.init)
        var puts = lines.dropFirst().filter { $0.hasPrefix(#"{"put": "#) }
        #expect(puts.count == lines.count - 2, "a first version's change set: its header, a put a record, its check line")
        puts[0] = puts[0].replacingOccurrences(of: #""input": ""#, with: #""input": "forged "#)
        let records = puts.map { String($0.dropFirst(#"{"put": "#.count).dropLast()) }
        let forgedHash = sha256(Data((records.joined(separator: "\n") + "\n").utf8))
        let body = puts.joined(separator: "\n") + "\n"
        let check = SHA256.hash(data: Data(body.utf8)).map { String(format: "%02x", $0) }.joined()
        lines[0] = lines[0].replacingOccurrences(of: sha256(held), with: forgedHash)
        lines = [lines[0]] + puts + [#"{"check": {"lines": \#(puts.count), "sha256": "\#(check)"}}"#]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: versions + "/" + name))
        try ana.commitAll("a forged change set")
        let dave = try Clone.clone(ana, in: folder, user: "dave")
        _ = try dave.evaldb(["sync"])
        #expect(try ok(dave, ["hash", "--version", first]).trimmingCharacters(in: .whitespacesAndNewlines) == sha256(held))
        #expect(try ok(dave, ["export", "--version", first]) == String(decoding: held, as: UTF8.self))
    }

    @Test("run list is oldest first, by when each run was recorded then by name: the same list in a fresh clone as where the runs were made")
    func runListOrderEverywhere() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        for name in ["zeta", "alpha", "mid"] {
            try ok(ana, ["run", "record", "evals/runs/baseline.jsonl", "--name", name, "--dataset-file", Self.dataset])
        }
        try ana.commitAll("three runs")
        let carol = try Clone.clone(ana, in: folder, user: "carol")
        try ok(carol, ["sync"])
        func runs(_ clone: Clone) throws -> [(name: String, date: String)] {
            try json(clone, ["run", "list"]).map { ($0["name"] as? String ?? "", $0["date"] as? String ?? "") }
        }
        let made = try runs(ana), synced = try runs(carol)
        #expect(made.map(\.name) == synced.map(\.name), "\(made.map(\.name)) and \(synced.map(\.name))")
        #expect(zip(made, made.dropFirst()).allSatisfy { ($0.date, $0.name) <= ($1.date, $1.name) }, "oldest first, then by name: \(made)")
        #expect(made.count == 3)
    }
}
