import Foundation
import Testing

/// Where the dataset file, the database and git meet, evaldb does what git does: it refuses to
/// clobber, merges what does not conflict, names what does, and never rewrites history.
@Suite("seams between the file, the database and git")
struct SeamTests {
    let folder: String
    static let dataset = TeamTests.dataset

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-seams-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// A clone with the sample dataset imported as version 1.
    func imported() throws -> Clone {
        let clone = try Clone.new(in: folder, user: "ana")
        #expect(try clone.evaldb(["import", Self.dataset, "-m", "first"]).status == 0)
        return clone
    }

    /// The file's lines, with `edit` applied to the line holding `id`.
    func edited(_ clone: Clone, _ id: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let text = String(decoding: try clone.read(Self.dataset), as: UTF8.self)
        return try text.split(separator: "\n").map { line -> String in
            var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard object["id"] as? String == id else { return String(line) }
            edit(&object)
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    func write(_ clone: Clone, _ text: String, to file: String = dataset) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: clone.path + "/" + file))
    }

    func versionCount(_ clone: Clone) throws -> Int {
        let output = try clone.evaldb(["versions", "--format", "json"]).output
        return (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [Any])?.count ?? -1
    }

    func label(_ clone: Clone, _ id: String, _ key: String) throws -> String? {
        let shown = try clone.evaldb(["show", id]).output
        let object = try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any]
        return (object?["labels"] as? [String: Any])?[key] as? String
    }

    @Test("export -o refuses to overwrite lines no version holds, naming their ids; --force overwrites")
    func exportDoesNotClobberHandEdits() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try imported()
        let hand = try edited(clone, "booking-lookup-003") { $0["notes"] = "edited by hand, never imported" }
        try write(clone, hand)
        let refused = try clone.evaldb(["export", "-o", Self.dataset])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("would be overwritten") && refused.stderr.contains("booking-lookup-003"), "\(refused.stderr)")
        #expect(String(decoding: try clone.read(Self.dataset), as: UTF8.self) == hand, "the file is left as it was")
        #expect(try clone.evaldb(["export", "-o", Self.dataset, "--force"]).status == 0)
        #expect(String(decoding: try clone.read(Self.dataset), as: UTF8.self) != hand)
        // A file holding a version (here the current one) is overwritten without a word.
        #expect(try clone.evaldb(["export", "-o", Self.dataset]).status == 0)
    }

    @Test("import of a file behind the database merges: a review's edit and a hand edit of another example both land, and the file is written back")
    func importMergesNonConflictingChanges() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try imported()
        // A hand edit, then a review while the file is out of sync: the review's version is not written back.
        try write(clone, try edited(clone, "booking-lookup-003") { $0["notes"] = "hand edit" })
        let review = try clone.evaldb(["review", "--reviewer", "rita"], stdin: "l scenario=edge-case\ny\nq\n")
        #expect(review.output.contains("the dataset file is behind the database now"), "\(review.output)")
        #expect(try versionCount(clone) == 2)

        let merged = try clone.evaldb(["import", Self.dataset, "-m", "hand edits"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.output.contains("merged: the file's changes since version 1 with version 2's"), "\(merged.output)")
        #expect(try versionCount(clone) == 3)
        #expect(try label(clone, "booking-lookup-001", "scenario") == "edge-case", "the review's edit is kept")
        let shown = try clone.evaldb(["show", "booking-lookup-003"]).output
        #expect(shown.contains("hand edit"), "the hand edit landed")
        let exported = try clone.evaldb(["export"]).stdout
        #expect(try clone.read(Self.dataset) == exported, "the file holds the merged version")
        #expect(try clone.evaldb(["status"]).status == 0)
    }

    @Test("the same field changed in the file and in the database is a conflict: ids and fields named, nothing written")
    func importConflictWritesNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try imported()
        let hand = try edited(clone, "booking-lookup-001") { object in
            var labels = object["labels"] as! [String: Any]
            labels["scenario"] = "happy-path-by-hand"
            object["labels"] = labels
        }
        try write(clone, hand)
        #expect(try clone.evaldb(["review", "--reviewer", "rita"], stdin: "l scenario=edge-case\ny\nq\n").status == 0)
        let conflict = try clone.evaldb(["import", Self.dataset])
        #expect(conflict.status == 1)
        #expect(conflict.stderr.contains("CONFLICT"), "\(conflict.stderr)")
        #expect(conflict.stderr.contains("booking-lookup-001") && conflict.stderr.contains("labels.scenario"), "\(conflict.stderr)")
        #expect(try versionCount(clone) == 2, "no version was made")
        #expect(String(decoding: try clone.read(Self.dataset), as: UTF8.self) == hand, "the file is left as it was")
        #expect(try label(clone, "booking-lookup-001", "scenario") == "edge-case")
        // Resolved as docs/teams.md says: the database's version beside the file, what differs, the
        // file kept as the resolution, imported as it is.
        let theirs = Self.dataset + ".theirs"
        #expect(try clone.evaldb(["export", "-o", theirs]).status == 0)
        let differs = try clone.evaldb(["diff", theirs, Self.dataset])
        #expect(differs.output.contains("booking-lookup-001: labels.scenario"), "\(differs.output)")
        #expect(try clone.evaldb(["import", "--force", Self.dataset, "-m", "resolve booking-lookup-001"]).status == 0)
        #expect(try label(clone, "booking-lookup-001", "scenario") == "happy-path-by-hand")
        #expect(try versionCount(clone) == 3)
    }

    @Test("a file that is an older version is refused as stale; one that removes most examples needs --force")
    func staleAndMassRemovalRefusals() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try imported()
        try write(clone, try edited(clone, "booking-lookup-002") { $0["notes"] = "in the other file" }, to: "other.jsonl")
        #expect(try clone.evaldb(["import", "other.jsonl"]).status == 0)
        let stale = try clone.evaldb(["import", Self.dataset])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("the database is at version 2") && stale.stderr.contains("is version 1"), "\(stale.stderr)")
        #expect(stale.stderr.contains("evaldb export -o \(Self.dataset)"), "\(stale.stderr)")
        #expect(try versionCount(clone) == 2)

        let first = String(String(decoding: try clone.read("other.jsonl"), as: UTF8.self).split(separator: "\n")[0]) + "\n"
        try write(clone, first, to: "one.jsonl")
        let removal = try clone.evaldb(["import", "one.jsonl"])
        #expect(removal.status == 1)
        #expect(removal.stderr.contains("removes 41 of the 42 current examples"), "\(removal.stderr)")
        #expect(try versionCount(clone) == 2)
        #expect(try clone.evaldb(["import", "one.jsonl", "--force"]).status == 0)
        #expect(try versionCount(clone) == 3)
    }

    @Test("a file whose dataset is an older version is refused as stale, also when git put it there by hand")
    func oldContentIsStale() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try imported()
        try write(clone, try edited(clone, "booking-lookup-002") { $0["notes"] = "two" })
        #expect(try clone.evaldb(["import", Self.dataset, "-m", "two"]).status == 0)
        try clone.commitAll("version 2")
        try write(clone, String(decoding: try clone.git("show", "HEAD~1:\(Self.dataset)").stdout, as: UTF8.self))
        let stale = try clone.evaldb(["import", Self.dataset])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("not a fast-forward: the database is at version 2"), "\(stale.stderr)")
        #expect(try versionCount(clone) == 2)
        #expect(try clone.evaldb(["import", Self.dataset, "--force", "-m", "back to one"]).status == 0)
        #expect(try versionCount(clone) == 2, "a version is its dataset hash: back to version 1 is no new version")
        #expect(try clone.evaldb(["status"]).output.hasPrefix("version 1 "))
    }

    @Test("sync after imports records each commit on the version it holds: no replay, and a version no commit holds keeps no commit")
    func syncAfterImportsRecordsCommits() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try imported()  // version 1: the committed file
        try write(clone, try edited(clone, "booking-lookup-002") { $0["notes"] = "two" })
        #expect(try clone.evaldb(["import", Self.dataset, "-m", "two"]).status == 0)
        try clone.commitAll("version 2")
        try write(clone, try edited(clone, "booking-lookup-003") { $0["notes"] = "three" })
        #expect(try clone.evaldb(["import", Self.dataset, "-m", "three"]).status == 0)
        try write(clone, try edited(clone, "booking-lookup-004") { $0["notes"] = "four" })
        #expect(try clone.evaldb(["import", Self.dataset, "-m", "four"]).status == 0)
        try clone.commitAll("version 4")

        let synced = try clone.evaldb(["sync", "--git", Self.dataset])
        #expect(synced.status == 0, "\(synced.stderr)")
        #expect(synced.output.contains("3 commits: 0 new versions, 3 recorded on existing versions"), "\(synced.output)")
        let versions = try JSONSerialization.jsonObject(with: Data(try clone.evaldb(["versions", "--format", "json"]).stdout)) as! [[String: Any]]
        #expect(versions.count == 4)
        let commits = versions.map { $0["commit"] as? String ?? "" }
        let heads = try clone.git("log", "--format=%H").output.split(separator: "\n").map(String.init)
        #expect(commits[1].count >= 10 && heads[0].hasPrefix(commits[3]) && heads[1].hasPrefix(commits[1]), "\(commits) \(heads)")
        #expect(commits[2].isEmpty, "version 3 was never committed")
        let dates = versions.map { $0["date"] as? String ?? "" }
        #expect(dates == dates.sorted())
        // Rerunning changes nothing.
        #expect(try clone.evaldb(["sync", "--git", Self.dataset]).output.contains("0 commits: 0 new versions"))
        #expect(try versionCount(clone) == 4)
    }

    @Test("history from before the database began becomes versions too, with its commits' authors; the current version stays")
    func olderHistoryBecomesVersions() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try Clone.new(in: folder, user: "ana")  // commit 1
        try write(clone, try edited(clone, "booking-lookup-002") { $0["notes"] = "two" })
        try clone.commitAll("commit 2")
        try write(clone, try edited(clone, "booking-lookup-003") { $0["notes"] = "three" })
        try clone.commitAll("commit 3")
        #expect(try clone.evaldb(["import", Self.dataset, "-m", "begins here"]).status == 0)  // HEAD, clean
        let synced = try clone.evaldb(["sync", "--git", Self.dataset])
        #expect(synced.status == 0, "\(synced.stderr)")
        #expect(synced.output.contains("3 commits: 2 new versions, 1 recorded on existing versions"), "\(synced.output)")
        #expect(try versionCount(clone) == 3)
        #expect(try clone.evaldb(["sync"]).status == 0)
        #expect(try versionCount(clone) == 3)
        let status = try clone.evaldb(["status"]).output
        #expect(status.hasPrefix("version 1 ") && status.contains("in sync"), "the version imported stays current: \(status)")
        // `--version` of an older commit is the dataset git holds there.
        let first = try clone.git("rev-list", "--max-parents=0", "HEAD").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            try clone.evaldb(["export", "--version", first]).output
                == String(decoding: try clone.git("show", "\(first):\(Self.dataset)").stdout, as: UTF8.self))
    }

    @Test("sync in a repository without commits, and of a path git does not track, is an error (exit 2)")
    func syncErrors() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let empty = Clone(path: folder + "/empty", user: "nobody")
        try FileManager.default.createDirectory(atPath: empty.path, withIntermediateDirectories: true)
        try empty.git("init", "-q")
        let noCommits = try empty.evaldb(["sync"])
        #expect(noCommits.status == 2)
        #expect(noCommits.stderr.contains("has no commits yet"), "\(noCommits.stderr)")

        let clone = try imported()
        let untracked = try clone.evaldb(["sync", "--git", "evals/data/v0/nosuch.jsonl"])
        #expect(untracked.status == 2)
        #expect(untracked.stderr.contains("is not tracked by git"), "\(untracked.stderr)")
    }

    @Test("sync in a repository that never used evaldb finds the dataset files git tracks under evals/data/")
    func syncFindsTheDatasetWithoutRecords() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try Clone.new(in: folder, user: "ana")
        let synced = try clone.evaldb(["sync"])
        #expect(synced.status == 0, "\(synced.stderr)")
        #expect(synced.output.contains("\(Self.dataset): 1 commit: 1 new versions"), "\(synced.output)")
        #expect(try clone.evaldb(["status"]).output.contains("\(Self.dataset): in sync"))
    }

    @Test("every command gives the same answer from a subfolder of the repository")
    func commandsFromASubfolder() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try imported()
        #expect(try clone.evaldb(["run", "record", "evals/runs/candidate.jsonl", "--name", "candidate", "--dataset-file", Self.dataset]).status == 0)
        let subfolder = clone.path + "/evals/runs"
        let commands: [[String]] = [
            ["status"], ["versions"], ["coverage"], ["verify"], ["export"], ["slice", "--count-by", "feature"],
            ["report", "candidate"], ["log", "booking-lookup-001"], ["blame", "booking-lookup-001"], ["diff", "1", "1"],
        ]
        for arguments in commands {
            let top = try clone.evaldb(arguments)
            let below = try clone.evaldb(arguments, in: subfolder)
            #expect(top.status == 0, "\(arguments): \(top.stderr)")
            #expect(top.status == below.status && top.stdout == below.stdout, "\(arguments): \(below.stderr)")
        }
    }

    @Test("a git revision names a dataset version: export --version TAG is `git show TAG:PATH`")
    func gitRevisionsNameVersions() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try imported()
        try clone.git("tag", "golden-2026-11")
        try write(clone, try edited(clone, "booking-lookup-002") { $0["notes"] = "after the tag" })
        #expect(try clone.evaldb(["import", Self.dataset]).status == 0)
        try clone.commitAll("after the tag")

        let tagged = try clone.evaldb(["export", "--version", "golden-2026-11"])
        #expect(tagged.status == 0, "\(tagged.stderr)")
        #expect(tagged.stdout == (try clone.git("show", "golden-2026-11:\(Self.dataset)")).stdout)
        #expect(try clone.evaldb(["export", "--version", "HEAD~1"]).stdout == tagged.stdout)
        let shown = try clone.evaldb(["show", "booking-lookup-002", "--version", "golden-2026-11"])
        #expect(shown.status == 0 && !shown.output.contains("after the tag"))
        #expect(try clone.evaldb(["diff", "golden-2026-11", "HEAD~0"]).output.contains("booking-lookup-002"))
        let unknown = try clone.evaldb(["export", "--version", "no-such-tag"])
        #expect(unknown.status == 2)

        // A commit evaldb never saw: its file is read from git (streamed to a temporary file) and
        // hashed; a version of it, or of what git holds, is named in the error.
        try write(clone, try edited(clone, "booking-lookup-003") { $0["notes"] = "never imported" })
        try clone.commitAll("edited by hand")
        let unseen = try clone.evaldb(["export", "--version", "HEAD~0"])  // HEAD alone: the current version
        #expect(unseen.status != 0 && unseen.stderr.contains("which this database has no version of"), "\(unseen.stderr)")
        try write(clone, "not json\n")
        try clone.commitAll("broken by hand")
        let broken = try clone.evaldb(["export", "--version", "HEAD~0"])
        #expect(broken.status != 0 && broken.stderr.contains("holds no valid dataset at \(Self.dataset)"), "\(broken.stderr)")
    }
}
