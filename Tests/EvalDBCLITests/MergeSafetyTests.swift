import Foundation
import Testing

@testable import EvalDBCLI

/// Merges never lose work silently: git's merge driver names the evaldb that installed it and
/// falls back to git's line merge with conflict markers when that evaldb is gone; a file left with
/// markers is refused by every reader; `export -o` never overwrites a file that differs from every
/// version, whatever the difference.
@Suite("merges never lose work silently")
struct MergeSafetyTests {
    let folder: String
    static let dataset = TeamTests.dataset

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-merges-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// `evaldb ARGS` must succeed.
    @discardableResult
    func ok(_ clone: Clone, _ arguments: [String]) throws -> String {
        let result = try clone.evaldb(arguments)
        #expect(result.status == 0, "evaldb \(arguments.joined(separator: " ")) in \(clone.user): \(result.output) \(result.stderr)")
        return result.output
    }

    /// A folder of programs holding `evaldb` (a symbolic link to the built binary, or a copy).
    func binFolder(_ name: String, copy: Bool) throws -> String {
        let bin = folder + "/" + name
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        if copy {
            try CLI.copyBinary(to: bin + "/evaldb")
        } else {
            try FileManager.default.createSymbolicLink(atPath: bin + "/evaldb", withDestinationPath: CLI.binary)
        }
        return bin
    }

    /// Runs `evaldb hook install` as a user types it, in a subfolder of the clone: the shell finds
    /// `evaldb` on PATH, in `bin`.
    func installHookFromPath(_ clone: Clone, bin: String) throws {
        let subfolder = clone.path + "/evals/runs"
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let installed = try CLI.execute("/bin/sh", ["-c", "evaldb hook install"], in: subfolder, environment: ["PATH": path, "EVALDB_DB": ""])
        #expect(installed.status == 0, "\(installed.output) \(installed.stderr)")
    }

    func driver(_ clone: Clone) throws -> String {
        try clone.git("config", "merge.evaldb.driver").output.trimmingCharacters(in: .newlines)
    }

    /// Rewrites the persona label of the example on `line` (1-based) of the dataset file, keeping
    /// the line canonical.
    func setPersona(_ clone: Clone, line: Int, to persona: String) throws {
        var lines = String(decoding: try clone.read(Self.dataset), as: UTF8.self).split(separator: "\n").map(String.init)
        let pattern = try Regex(#""persona": "[^"]*""#)
        lines[line - 1] = lines[line - 1].replacing(pattern, with: #""persona": "\#(persona)""#)
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: clone.path + "/" + Self.dataset))
    }

    /// The clone's user sets the persona of the example on `line` to "USER-persona", imports the
    /// file and commits.
    func commitPersona(_ clone: Clone, line: Int) throws {
        try setPersona(clone, line: line, to: "\(clone.user)-persona")
        try ok(clone, ["import", Self.dataset, "-m", "\(clone.user)'s persona"])
        try clone.commitAll("\(clone.user)'s persona")
    }

    func text(_ clone: Clone, _ file: String = dataset) throws -> String { String(decoding: try clone.read(file), as: UTF8.self) }

    // MARK: - The merge driver

    @Test(
        "hook install run as `evaldb` from PATH writes the binary itself as git's merge driver, and git pull merges neighbouring edits by example id through it"
    )
    func driverFromPathMergesByExample() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bin = try binFolder("bin", copy: false)
        let real = URL(fileURLWithPath: CLI.binary).resolvingSymlinksInPath().path
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        try installHookFromPath(ana, bin: bin)
        let driver = try driver(ana)
        #expect(driver.hasPrefix("'\(real)' merge-file %O %A %B"), "the binary running, not the current folder: \(driver)")
        #expect(!driver.contains("evals/runs/evaldb"))
        #expect(FileManager.default.isExecutableFile(atPath: real))
        #expect(try text(ana, ".git/hooks/pre-commit").contains("EVALDB='\(real)'"))
        try ana.commitAll("version 1, merge driver")

        let ben = try Clone.clone(ana, in: folder, user: "ben")
        try installHookFromPath(ben, bin: bin)
        try ok(ben, ["sync"])

        // Lines 1 and 2: neighbours, a conflict for git's line merge.
        try commitPersona(ana, line: 1)
        try commitPersona(ben, line: 2)

        let pulled = try CLI.execute("/usr/bin/env", ["git", "pull", "--no-rebase", "--no-edit", "-q"], in: ben.path)
        #expect(pulled.status == 0, "\(pulled.output) \(pulled.stderr)")
        let merged = try text(ben)
        #expect(merged.contains("ana-persona") && merged.contains("ben-persona"), "both sides' edits: \(merged.prefix(600))")
        #expect(!merged.contains("<<<<<<<"))
        try ok(ben, ["validate", "--canonical", Self.dataset])
        try ok(ben, ["sync"])
        let persona = { (id: String) in
            try JSONSerialization.jsonObject(with: Data(try ok(ben, ["show", id]).utf8)) as? [String: Any]
        }
        #expect((try persona("booking-lookup-001")?["labels"] as? [String: Any])?["persona"] as? String == "ana-persona")
        #expect((try persona("booking-lookup-002")?["labels"] as? [String: Any])?["persona"] as? String == "ben-persona")
    }

    @Test(
        "with the evaldb that installed the driver gone, git pull falls back to git's line merge with conflict markers; import, validate and sync then refuse the file, writing nothing"
    )
    func missingEvaldbLeavesConflictMarkers() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        try ok(ana, ["hook", "install"])
        try ana.commitAll("version 1, merge driver")
        let ben = try Clone.clone(ana, in: folder, user: "ben")
        let bin = try binFolder("ben's tools", copy: true)  // a path the driver must quote for the shell
        try installHookFromPath(ben, bin: bin)
        let driver = try driver(ben)
        #expect(driver.hasPrefix(#"'\#(folder)/ben'\''s tools/evaldb' merge-file %O %A %B"#), "\(driver)")
        try ok(ben, ["sync"])

        // The same label of the same example, changed differently on both sides.
        try commitPersona(ana, line: 1)
        try commitPersona(ben, line: 1)
        try ok(ben, ["sync"])  // the commit recorded on its version: what the database holds before the merge
        let ours = try text(ben)

        try FileManager.default.removeItem(atPath: bin + "/evaldb")  // uninstalled since
        let pulled = try CLI.execute("/usr/bin/env", ["git", "pull", "--no-rebase", "--no-edit"], in: ben.path)
        #expect(pulled.status != 0, "git stops the merge")
        #expect(pulled.output.contains("CONFLICT (content): Merge conflict in \(Self.dataset)"), "\(pulled.output) \(pulled.stderr)")
        #expect(pulled.stderr.contains("git merge-file merges the lines instead"), "\(pulled.stderr)")
        let marked = try text(ben)
        #expect(marked != ours, "not \"ours\" as if it were the merge")
        let lines = marked.split(separator: "\n", omittingEmptySubsequences: false)
        let markers = lines.indices.filter { ["<<<<<<< ours", "=======", ">>>>>>> theirs"].contains(lines[$0]) }.map { $0 + 1 }
        #expect(markers.count == 3, "\(marked.prefix(2000))")
        #expect(marked.contains("ana-persona") && marked.contains("ben-persona"))
        #expect(try ben.git("status", "--porcelain", "--", Self.dataset).output.hasPrefix("UU "), "git reports the file unmerged")

        let versions = try ok(ben, ["versions", "--format", "json"])
        for command in [["import", Self.dataset], ["validate", Self.dataset], ["sync"]] {
            let refused = try ben.evaldb(command)
            #expect(refused.status == 1, "evaldb \(command.joined(separator: " ")): \(refused.output) \(refused.stderr)")
            let errors = refused.stderr.split(separator: "\n")
            for line in markers {
                // At a marker, that and no JSON error.
                let here = errors.filter { $0.hasPrefix("\(Self.dataset):\(line):") }
                #expect(
                    !here.isEmpty
                        && here.allSatisfy {
                            $0
                                == "\(Self.dataset):\(line):1: error: unresolved merge in \(Self.dataset):\(line) (a git conflict marker); resolve the conflict, then import or sync"
                        }, "evaldb \(command.joined(separator: " ")): \(refused.stderr)")
            }
        }
        // Nothing of the file was imported: sync made ana's fetched commit a version (every commit a
        // ref reaches is one), and the current version is still ben's.
        let after = try JSONSerialization.jsonObject(with: Data(try ok(ben, ["versions", "--format", "json"]).utf8)) as! [[String: Any]]
        let before = try JSONSerialization.jsonObject(with: Data(versions.utf8)) as! [[String: Any]]
        #expect(Set(after.map { $0["hash"] as! String }).isSuperset(of: before.map { $0["hash"] as! String }))
        #expect(after.count <= before.count + 1, "at most ana's commit's version: nothing of the marked file")
        let status = try JSONSerialization.jsonObject(with: try ben.evaldb(["status", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(status.first?["hash"] as? String == before.last?["hash"] as? String, "the current version is still ben's")
        #expect(try text(ben) == marked, "the file is left as git left it")
    }

    @Test("the running evaldb is found as a shell finds it: a bare name on PATH's absolute folders, never the current folder")
    func runningExecutableFromArgument() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bin = try binFolder("bin", copy: false)
        let here = try binFolder("here", copy: false)
        let found = { (argument: String, searchPath: String) in
            RunningExecutable.path(argument: argument, searchPath: searchPath, currentFolder: here)
        }
        #expect(found("evaldb", "/nonexistent:.:\(bin)") == bin + "/evaldb")
        #expect(found("evaldb", "::.") == "evaldb", "left to the shell's PATH search at merge time, not \(here)/evaldb")
        #expect(found("./evaldb", "") == here + "/evaldb")
        #expect(found("../bin/evaldb", "") == bin + "/evaldb")
        #expect(Shell.quoted("/a b/it's") == #"'/a b/it'\''s'"#)
    }

    // MARK: - Conflict markers

    @Test("git's conflict markers are told from bad JSON: each marker line is an unresolved merge, at its line")
    func markerLinesToldFromBadJSON() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let markers = ["<<<<<<< HEAD", "||||||| base", "=======", "======= ", ">>>>>>> feature/x", "<<<<<<<"]
        let notMarkers = ["========", "<<<<<<<< HEAD", "=======x"]
        let text = record("a") + (markers + notMarkers).map { $0 + "\n" }.joined() + record("b")
        try cli.write("marked.jsonl", text)
        for command in [["validate", "marked.jsonl"], ["import", "marked.jsonl"], ["hash", "marked.jsonl"]] {
            let result = try cli.run(command)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("marked.jsonl:") }
            for line in 2...7 {
                #expect(
                    errors.contains { $0.hasPrefix("marked.jsonl:\(line):1: error: unresolved merge in marked.jsonl:\(line) ") },
                    "\(command): \(result.stderr)")
            }
            for line in 8...10 {
                #expect(errors.contains { $0.hasPrefix("marked.jsonl:\(line):") && !$0.contains("unresolved merge") }, "\(command): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: cli.database), "nothing written")

        // As git's merge driver, a side it cannot read is not a conflict it resolved: exit 2 (the
        // driver then runs git's line merge), our file as it was.
        let ours = try cli.write("ours.jsonl", record("a") + record("b"))
        try cli.write("theirs.jsonl", record("a") + record("c"))
        let merge = try cli.run(["merge-file", "marked.jsonl", ours, "theirs.jsonl"])
        #expect(merge.status == 2, "\(merge.stderr)")
        #expect(merge.stderr.contains("unresolved merge in marked.jsonl:2"), "\(merge.stderr)")
        #expect(try cli.read("ours.jsonl") == Data((record("a") + record("b")).utf8))
    }

    // MARK: - export -o

    @Test(
        "export -o refuses a file whose only change is a deleted line, naming the id, and one whose only change is two lines swapped; --force overwrites"
    )
    func exportRefusesDeletionsAndReorders() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try Clone.new(in: folder, user: "ana")
        try ok(clone, ["import", Self.dataset, "-m", "first"])
        let version = try text(clone)
        var lines = version.split(separator: "\n").map { $0 + "\n" }
        func write(_ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: clone.path + "/" + Self.dataset)) }

        // A hand edit that only deletes the third example.
        let deleted = lines.remove(at: 2)
        #expect(deleted.contains(#""id": "booking-lookup-003""#))
        try write(lines.joined())
        let refused = try clone.evaldb(["export", "-o", Self.dataset])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("your local changes to \(Self.dataset) would be overwritten: 1 example deleted (booking-lookup-003)"),
            "\(refused.stderr)")
        #expect(!refused.stderr.contains("edited or added") && !refused.stderr.contains("reordered"), "\(refused.stderr)")
        #expect(try text(clone) == lines.joined(), "the file is left as it was")
        #expect(try clone.evaldb(["export", "-o", Self.dataset, "--force"]).status == 0)
        #expect(try text(clone) == version)

        // A hand edit that only swaps the first two lines.
        lines = version.split(separator: "\n").map { $0 + "\n" }
        lines.swapAt(0, 1)
        try write(lines.joined())
        let swapped = try clone.evaldb(["export", "-o", Self.dataset])
        #expect(swapped.status == 1)
        #expect(swapped.stderr.contains("your local changes to \(Self.dataset) would be overwritten: lines reordered"), "\(swapped.stderr)")
        #expect(!swapped.stderr.contains("deleted") && !swapped.stderr.contains("edited or added"), "\(swapped.stderr)")
        #expect(try text(clone) == lines.joined())
        #expect(try clone.evaldb(["export", "-o", Self.dataset, "--force"]).status == 0)
        #expect(try text(clone) == version)

        // As evaldb left it, and equal to a version: overwritten without a word.
        #expect(try clone.evaldb(["export", "-o", Self.dataset]).status == 0)
        try write(version)
        #expect(try clone.evaldb(["export", "-o", Self.dataset]).status == 0)
    }
}
