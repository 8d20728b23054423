import Foundation
import Testing

private let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A git clone of the sample project in a temporary folder, with its own user, and evaldb's default
/// database (`.evaldb/` at its top), as a member of a team has it.
struct Clone {
    let path: String
    let user: String

    /// A new repository holding the sample dataset, axes, runs and proposals, committed.
    static func new(in folder: String, user: String) throws -> Clone {
        let clone = Clone(path: folder + "/" + user, user: user)
        try FileManager.default.createDirectory(atPath: clone.path + "/evals/data/v0", withIntermediateDirectories: true)
        for file in [
            "evals/data/v0/golden.jsonl", "evals/axes.json", "evals/runs/baseline.jsonl", "evals/runs/candidate.jsonl",
            "evals/proposals/gpt-x.jsonl",
        ] {
            let target = clone.path + "/" + file
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: sources.appendingPathComponent(file).path, toPath: target)
        }
        try clone.git("init", "-q")
        try clone.configure()
        try clone.commitAll("the sample dataset")
        return clone
    }

    /// A clone of `origin` for `user`.
    static func clone(_ origin: Clone, in folder: String, user: String) throws -> Clone {
        let clone = Clone(path: folder + "/" + user, user: user)
        let result = try CLI.execute("/usr/bin/env", ["git", "clone", "-q", origin.path, clone.path], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        try clone.configure()
        return clone
    }

    private func configure() throws {
        try git("config", "user.name", user)
        try git("config", "user.email", "\(user)@example.com")
    }

    @discardableResult
    func git(_ arguments: String...) throws -> CLI.Result {
        let result = try CLI.execute("/usr/bin/env", ["git"] + arguments, in: path)
        #expect(result.status == 0, "git \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    func commitAll(_ message: String) throws {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
    }

    /// Runs evaldb in `folder` (default: the top) with the default database.
    func evaldb(_ arguments: [String], stdin: String? = nil, in folder: String? = nil) throws -> CLI.Result {
        try CLI.execute(CLI.binary, arguments, in: folder ?? path, stdin: stdin.map { Data($0.utf8) }, environment: ["EVALDB_DB": ""])
    }

    func read(_ file: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path + "/" + file)) }
}

@Suite("team state in git")
struct TeamTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-team-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    static let dataset = "evals/data/v0/golden.jsonl"

    /// `evaldb ARGS` must succeed.
    @discardableResult
    func ok(_ clone: Clone, _ arguments: [String], stdin: String? = nil, in subfolder: String? = nil) throws -> String {
        let result = try clone.evaldb(arguments, stdin: stdin, in: subfolder)
        #expect(result.status == 0, "evaldb \(arguments.joined(separator: " ")) in \(clone.user): \(result.output) \(result.stderr)")
        return result.output
    }

    @Test("two reviewers on two clones merge without conflicts; a third, fresh clone syncs everything and compares as the first")
    func twoClonesMergeAndAFreshCloneSeesEverything() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first labelling session"])
        try ana.commitAll("version 1 and its record")

        let ben = try Clone.clone(ana, in: folder, user: "ben")
        let benSync = try ok(ben, ["sync"])
        #expect(benSync.contains("1 new versions"), "\(benSync)")

        // ana records two runs and reads five examples; ben accepts the new example proposed and
        // reads five others.
        try ok(ana, ["run", "record", "evals/runs/baseline.jsonl", "--name", "baseline", "--dataset-file", Self.dataset])
        try ok(ana, ["run", "record", "evals/runs/candidate.jsonl", "--name", "candidate", "--dataset-file", Self.dataset])
        try ok(ana, ["review", "--reviewer", "ana"], stdin: "y\ny\ny\ny\ny\nq\n")
        try ana.commitAll("ana: runs and review")

        try ok(ben, ["propose", "evals/proposals/gpt-x.jsonl"])
        let accepted = try ok(ben, ["review", "--proposals", "--reviewer", "ben"], stdin: "s\ns\na\nq\n")
        #expect(accepted.contains("wrote version 2 to"), "the file is written back: \(accepted)")
        try ok(ben, ["review", "--reviewer", "ben"], stdin: "s\ns\ns\ns\ns\ny\ny\ny\ny\ny\nq\n")
        try ben.commitAll("ben: proposals and review")

        // ben pulls ana: git merges both sides' files without a conflict.
        try ben.git("fetch", "-q", ana.path, "HEAD")
        let merge = try ben.git("merge", "--no-edit", "FETCH_HEAD")
        #expect(merge.status == 0)
        #expect(try ben.git("status", "--porcelain").output.isEmpty, "nothing left to resolve")

        let carol = try Clone.clone(ben, in: folder, user: "carol")
        let synced = try carol.evaldb(["sync"])
        #expect(synced.status == 0, "\(synced.output) \(synced.stderr)")

        let status = try ok(carol, ["status"])
        #expect(status.contains("read by ana: 5 of 43"), "\(status)")
        #expect(status.contains("read by ben: 5 of 43"), "\(status)")
        #expect(status.contains("\(Self.dataset): in sync"), "\(status)")
        let runs = try ok(carol, ["run", "list"])
        #expect(runs.contains("baseline") && runs.contains("candidate"), "\(runs)")
        let versions = try ok(carol, ["versions"])
        #expect(versions.contains("review by ben"), "the version's own record, not the commit's subject: \(versions)")
        // The accepted proposal is in the dataset, and is remembered as decided.
        let proposed =
            try JSONSerialization.jsonObject(
                with: Data(
                    String(decoding: ana.read("evals/proposals/gpt-x.jsonl"), as: UTF8.self)
                        .split(separator: "\n")[2].utf8)) as! [String: Any]
        try ok(carol, ["show", proposed["id"] as! String])
        let again = try carol.evaldb(["propose", "evals/proposals/gpt-x.jsonl"])
        #expect(again.stderr.contains("accepted before"), "\(again.stderr)")

        // compare gives the same verdict and figures as on ana's clone.
        let onAna = try ana.evaldb(["compare", "baseline", "candidate", "--budget", "5"])
        let onCarol = try carol.evaldb(["compare", "baseline", "candidate", "--budget", "5"])
        #expect(onAna.status == onCarol.status)
        #expect(onAna.output == onCarol.output)
        #expect(!onCarol.output.isEmpty)
    }

    @Test("versions made on two clones at once: after git merges them, sync credits each change to who made it")
    func concurrentVersionsMerge() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        try ana.commitAll("version 1")
        let ben = try Clone.clone(ana, in: folder, user: "ben")
        try ok(ben, ["sync"])

        try ok(ana, ["review", "--reviewer", "ana"], stdin: "n ana's note\ny\nq\n")  // booking-lookup-001
        try ana.commitAll("ana's review")
        // Ten lines further down: git merges lines that are not next to each other.
        try ok(ben, ["review", "--reviewer", "ben"], stdin: String(repeating: "s\n", count: 10) + "l scenario=ben-scenario\ny\nq\n")
        try ben.commitAll("ben's review")

        try ana.git("fetch", "-q", ben.path, "HEAD")
        try ana.git("merge", "--no-edit", "FETCH_HEAD")
        let synced = try ok(ana, ["sync"])
        // Ben's own dataset is a version here too (version 3), and git's merge of the two is version 4.
        #expect(synced.contains("ben  version 3") && synced.contains("working tree holds version 4"), "\(synced)")
        #expect(try ana.git("status", "--porcelain").output.isEmpty, "sync leaves the merged file as git made it")
        let graph = try JSONSerialization.jsonObject(with: Data(try ok(ana, ["versions", "--format", "json"]).utf8)) as! [[String: Any]]
        #expect(graph.map { $0["author"] as? String } == ["ana", "ana", "ben", "ana"], "\(graph)")
        #expect((graph[3]["parents"] as? [String]) == [graph[1]["hash"] as! String, graph[2]["hash"] as! String], "the merge's parents: both sides")
        let blameBen = try ok(ana, ["blame", "policy-question-001"])
        #expect(blameBen.split(separator: "\n").contains { $0.hasPrefix("labels.scenario") && $0.contains("ben") }, "\(blameBen)")
        let blameAna = try ok(ana, ["blame", "booking-lookup-001"])
        #expect(blameAna.split(separator: "\n").contains { $0.hasPrefix("notes") && $0.contains("ana") }, "\(blameAna)")
        let log = try ok(ana, ["log", "booking-lookup-001"])
        #expect(log.split(separator: "\n").filter { $0.contains("changed") }.count == 1, "ana's note is changed once, never undone: \(log)")

        // A fresh clone of the merge agrees, and holds the file as committed.
        try ana.git("add", "-A")
        let carol = try Clone.clone(ana, in: folder, user: "carol")
        try ok(carol, ["sync"])
        #expect(try ok(carol, ["show", "policy-question-001"]).contains("ben-scenario"))
        #expect(
            try ok(carol, ["blame", "policy-question-001"]).split(separator: "\n").contains { $0.hasPrefix("labels.scenario") && $0.contains("ben") })
        #expect(try carol.git("status", "--porcelain").output.isEmpty)
        #expect(try ok(carol, ["export"]) == String(decoding: try carol.read(Self.dataset), as: UTF8.self))
    }

    @Test("with evaldb as git's merge driver, edits of neighbouring examples merge; the same field is a conflict between markers")
    func mergeDriverMergesByExample() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        let installed = try ok(ana, ["hook", "install"])
        #expect(installed.contains("merge driver"), "\(installed)")
        #expect(String(decoding: try ana.read(".gitattributes"), as: UTF8.self).contains("evals/data/**/*.jsonl merge=evaldb"))
        try ana.commitAll("version 1, merge driver")
        let ben = try Clone.clone(ana, in: folder, user: "ben")
        try ok(ben, ["hook", "install"])
        try ok(ben, ["sync"])

        // Lines 1 and 2: a conflict for git's line merge.
        try ok(ana, ["review", "--reviewer", "ana"], stdin: "n ana's note\ny\nq\n")
        try ana.commitAll("ana's review")
        try ok(ben, ["review", "--reviewer", "ben"], stdin: "s\nl scenario=ben-scenario\ny\nq\n")
        try ben.commitAll("ben's review")
        try ana.git("fetch", "-q", ben.path, "HEAD")
        try ana.git("merge", "--no-edit", "FETCH_HEAD")
        let merged = String(decoding: try ana.read(Self.dataset), as: UTF8.self)
        #expect(merged.contains("ana's note") && merged.contains("ben-scenario"))
        try ok(ana, ["validate", "--canonical", Self.dataset])  // the merged file is canonical
        let synced = try ok(ana, ["sync"])
        #expect(synced.contains("working tree holds version 4"), "ben's version is 3 here, the merge 4: \(synced)")
        #expect(try ana.git("status", "--porcelain").output.isEmpty)

        // The same label changed on both sides: git stops, the example between markers.
        try ok(ana, ["review", "--reviewer", "ana"], stdin: "l persona=ana-persona\ny\nq\n")
        try ana.commitAll("ana's persona")
        try ben.git("fetch", "-q", ana.path, "HEAD")
        try ben.git("merge", "-q", "FETCH_HEAD")  // a fast-forward: ben has not changed anything since
        try ok(ben, ["sync"])
        try ok(ben, ["review", "--reviewer", "ben"], stdin: "l persona=ben-persona\ny\nq\n")
        try ben.commitAll("ben's persona")
        try ok(ana, ["review", "--reviewer", "ana"], stdin: "l persona=ana-again\ny\nq\n")
        try ana.commitAll("ana's persona again")
        try ana.git("fetch", "-q", ben.path, "HEAD")
        let conflict = try CLI.execute("/usr/bin/env", ["git", "merge", "--no-edit", "FETCH_HEAD"], in: ana.path)
        #expect(conflict.status != 0)
        #expect(
            conflict.stderr.contains("CONFLICT (content): booking-lookup-001") && conflict.stderr.contains("labels.persona"),
            "\(conflict.stderr) \(conflict.output)")
        let marked = String(decoding: try ana.read(Self.dataset), as: UTF8.self)
        #expect(marked.contains("<<<<<<< ours\n") && marked.contains("ana-again") && marked.contains("ben-persona"))
    }

    @Test("the team log file is named after git's user (else $USER), never after a proposer or a reviewer the command names")
    func logFileNamedAfterTheGitUser() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        /// The team log files of a clone (not its versions' and runs' files).
        func logFiles(_ clone: Clone) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: clone.path + "/evals/log").filter { $0.hasSuffix(".jsonl") }
        }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset])
        // The first event of this database: proposals whose lines and flag name another proposer.
        try Data(
            """
            {"id": "booking-lookup-001", "labels": {"scenario": "underspecified"}, "proposed_by": "ben-llm"}

            """.utf8
        ).write(to: URL(fileURLWithPath: ana.path + "/proposals.jsonl"))
        try ok(ana, ["propose", "proposals.jsonl", "--proposed-by", "ben-llm"])
        try ok(ana, ["review", "--proposals", "--reviewer", "rita"], stdin: "a\n")
        try ok(ana, ["review", "--reviewer", "kim"], stdin: "y\nq\n")
        let named = try logFiles(ana)
        #expect(named.count == 1 && named[0].hasPrefix("ana-"), "\(named)")
        let events = String(decoding: try ana.read("evals/log/" + named[0]), as: UTF8.self)
        #expect(events.contains(#""by": "ben-llm""#) && events.contains(#""by": "kim""#), "the events keep who did what: \(events)")

        // Without a user.name anywhere in git, $USER names it, still not the reviewer.
        let bob = try Clone.clone(ana, in: folder, user: "bob")
        try bob.git("config", "--unset", "user.name")
        let environment = ["EVALDB_DB": "", "USER": "carol", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"]
        for arguments in [["sync"], ["review", "--reviewer", "rita"]] {
            let result = try CLI.execute(CLI.binary, arguments, in: bob.path, stdin: Data("y\nq\n".utf8), environment: environment)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let bobs = try logFiles(bob).filter { !named.contains($0) }
        #expect(bobs.count == 1 && bobs[0].hasPrefix("carol-"), "\(bobs)")
    }

    @Test("deleting .evaldb/ and running sync gives back the same answers from every command")
    func aLostDatabaseIsRebuiltBySync() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first labelling session"])
        try ok(ana, ["run", "record", "evals/runs/baseline.jsonl", "--name", "baseline", "--dataset-file", Self.dataset])
        try ok(ana, ["run", "record", "evals/runs/candidate.jsonl", "--name", "candidate", "--dataset-file", Self.dataset])
        try ana.commitAll("version 1, two runs")
        try ok(
            ana, ["review", "--run", "candidate", "--failed", "--reviewer", "ana"],
            stdin: "f wrong-date\ny\nl scenario=edge-case\ny\nn check the year\ny\nq\n")
        try ok(ana, ["review", "--reviewer", "ben"], stdin: "y\ny\nq\n")
        try ana.commitAll("review")
        try ok(ana, ["sync"])  // records the commit on the version the review made

        let commands: [[String]] = [
            ["versions"], ["versions", "--format", "json"], ["status"], ["report", "candidate", "--by", "feature"],
            ["compare", "baseline", "candidate", "--budget", "5"], ["run", "list"], ["review", "--unread", "--reviewer", "ana"],
        ]
        let failing = try ok(ana, ["sql", "SELECT id FROM results WHERE run = 'candidate' AND pass = 0 LIMIT 3"])
        let ids = failing.split(separator: "\n").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(!ids.isEmpty)
        let perId = ids.flatMap { [["log", $0, "-p"], ["blame", $0], ["show", $0]] }
        func answers() throws -> [String] {
            try (commands + perId).map { arguments in
                let result = try ana.evaldb(arguments, stdin: arguments.first == "review" ? "q\n" : nil)
                return "\(arguments.joined(separator: " ")) -> \(result.status)\n\(result.output)"
            }
        }
        let before = try answers()
        #expect(before[0].contains("review by ana") && before[0].contains("first labelling session"), "\(before[0])")
        #expect(before[2].contains("read by ana: 3 of 42") && before[2].contains("read by ben: 2 of 42"), "\(before[2])")
        #expect(before[3].contains("wrong-date"), "the failure category set in review: \(before[3])")
        try FileManager.default.removeItem(atPath: ana.path + "/.evaldb")
        let rebuilt = try ana.evaldb(["sync"])
        #expect(rebuilt.status == 0, "\(rebuilt.output) \(rebuilt.stderr)")
        let after = try answers()
        for (old, new) in zip(before, after) { #expect(old == new) }
        // A second sync has nothing to do.
        let second = try ok(ana, ["sync"])
        #expect(!second.contains("commits:") && second.contains("events: 0 applied"), "history not replayed again at the same HEAD: \(second)")
    }
}
