import Crypto
import Foundation
import Testing

/// Runs the built `evaldb` binary as a user would.
struct CLI {
    static let binary: String = {
        // The test bundle sits in the build folder beside the executable.
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("evaldb")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside.path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/evaldb").path
    }()

    /// Copies the built binary to `path`, for tests that need `evaldb` at another path. The copy is
    /// written by a `cp` child process, not in this process: while a file is open for writing here,
    /// any test running beside this one that starts a process hands that descriptor to its child,
    /// and executing the copy then fails with "Text file busy" (ETXTBSY).
    static func copyBinary(to path: String) throws {
        let copied = try execute("/bin/cp", [binary, path], in: "/")
        guard copied.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cp \(binary) \(path): \(copied.stderr)"])
        }
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var output: String { String(decoding: stdout, as: UTF8.self) }
    }

    let folder: String
    var database: String { folder + "/db/evaldb.sqlite" }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: folder) }

    /// Runs `evaldb` with `arguments` (with `--db` pointing into this test's folder), in the folder.
    func run(_ arguments: [String], stdin: Data? = nil, executable: String = CLI.binary) throws -> Result {
        try Self.execute(executable, arguments, in: folder, stdin: stdin, environment: ["EVALDB_DB": database])
    }

    static func execute(
        _ executable: String, _ arguments: [String], in folder: String, stdin: Data? = nil,
        environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Read both pipes concurrently so that a large output cannot block the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) }
}

func record(_ id: String, _ question: String = "is there a table for two tonight?") -> String {
    #"{"author": "@ana", "context": null, "created_at": "2026-04-16", "expected_output": {"action": "check_availability"}, "id": "\#(id)", "input": "\#(question)", "labels": {"feature": "booking-lookup", "persona": "first-time-visitor", "scenario": "happy-path", "tags": ["tonight"]}, "notes": null, "source": "synth"}"#
        + "\n"
}

func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

@Suite("The evaldb command")
struct CLITests {
    @Test("import then export prints the file back byte-identical, and hash equals sha256sum")
    func importExportRoundTrip() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let text = (1...5).map { record("ex-\($0)") }.joined()
        try cli.write("golden.jsonl", text)
        let imported = try cli.run(["import", "golden.jsonl", "-m", "first"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.output.contains("version 1"))
        #expect(imported.output.contains("sha256:" + sha256(Data(text.utf8))))
        #expect(imported.output.contains("5 added"))
        let exported = try cli.run(["export"])
        #expect(exported.status == 0)
        #expect(exported.stdout == Data(text.utf8))
        #expect(try cli.run(["hash", "golden.jsonl"]).output == "sha256:\(sha256(Data(text.utf8)))\n")
        #expect(try cli.run(["hash", "--version", "1"]).output == "sha256:\(sha256(Data(text.utf8)))\n")
        #expect(try cli.run(["verify"]).status == 0)
    }

    @Test("an unchanged re-import says so, names the version and exits 0")
    func unchangedReimport() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("golden.jsonl", record("a") + record("b"))
        _ = try cli.run(["import", "golden.jsonl"])
        let again = try cli.run(["import", "golden.jsonl"])
        #expect(again.status == 0)
        #expect(again.output.contains("unchanged"))
        #expect(again.output.contains("version 1"))
    }

    @Test("invalid data exits 1 with every error as FILE:LINE:COL: error: and writes nothing")
    func invalidDataErrors() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("bad.jsonl", record("a") + "{\"id\": \"b\",}\n" + record("c") + "[NaN]\n")
        for command in [["validate", "bad.jsonl"], ["import", "bad.jsonl"]] {
            let result = try cli.run(command)
            #expect(result.status == 1, "\(command)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("bad.jsonl:2:12: error: ") }, "\(result.stderr)")
            #expect(lines.contains { $0.hasPrefix("bad.jsonl:4:2: error: ") }, "\(result.stderr)")
        }
        // Nothing written: not even an empty database (a read command says there is none).
        #expect(!FileManager.default.fileExists(atPath: cli.database))
        let versions = try cli.run(["versions", "--format", "json"])
        #expect(versions.status == 2 && versions.stderr.contains("no database at"), "\(versions.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.database), "a read command makes no database")
    }

    @Test("usage and missing-version errors exit 2 as evaldb: error:")
    func otherErrorsExitTwo() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let unknown = try cli.run(["frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("evaldb: error: "))
        try cli.write("g.jsonl", record("a"))
        _ = try cli.run(["import", "g.jsonl"])
        let missing = try cli.run(["export", "--version", "9"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("evaldb: error: "))
        #expect(try cli.run(["import", "no-such-file.jsonl"]).status == 2)
    }

    @Test("--help and help COMMAND print usage to standard output and exit 0")
    func help() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        for arguments in [["--help"], ["help", "import"], ["export", "--help"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 0, "\(arguments)")
            #expect(result.output.contains("USAGE: evaldb"), "\(arguments)")
            #expect(result.stderr.isEmpty, "\(arguments)")
        }
    }

    @Test("validate --canonical exits 1 naming the first line that is not canonical")
    func validateCanonical() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("ok.jsonl", record("a") + record("b"))
        #expect(try cli.run(["validate", "--canonical", "ok.jsonl"]).status == 0)
        try cli.write("crlf.jsonl", record("a") + record("b").replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(try cli.run(["validate", "crlf.jsonl"]).status == 0)
        let strict = try cli.run(["validate", "--canonical", "crlf.jsonl"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("crlf.jsonl:2"))
    }

    @Test("export -o writes the file atomically and export --version reproduces an older version")
    func exportToFileAndOldVersion() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let v1 = record("a") + record("b") + record("c")
        let v2 = record("c") + record("a", "changed?") + record("d")
        try cli.write("v1.jsonl", v1)
        try cli.write("v2.jsonl", v2)
        _ = try cli.run(["import", "v1.jsonl"])
        let second = try cli.run(["import", "v2.jsonl"])
        #expect(second.output.contains("1 added, 1 changed, 1 removed"))
        #expect(try cli.run(["export", "-o", "out.jsonl", "--version", "1"]).status == 0)
        #expect(try cli.read("out.jsonl") == Data(v1.utf8))
        #expect(try cli.run(["export", "--hash", String(sha256(Data(v2.utf8)).prefix(12))]).stdout == Data(v2.utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.folder).filter { $0.hasPrefix(".out.jsonl") || $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test("- reads the dataset from standard input")
    func standardInput() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let text = record("a") + record("b")
        let result = try cli.run(["import", "-"], stdin: Data(text.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try cli.run(["export"]).stdout == Data(text.utf8))
    }

    @Test("status exits 1 when the file differs from the database")
    func statusOutOfSync() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("golden.jsonl", record("a"))
        _ = try cli.run(["import", "golden.jsonl"])
        #expect(try cli.run(["status"]).status == 0)
        try cli.write("golden.jsonl", record("a") + record("b"))
        #expect(try cli.run(["status"]).status == 1)
        #expect(try cli.run(["status", "--file", "golden.jsonl"]).status == 1)
    }

    @Test("listings come as table, json, jsonl and csv")
    func listingFormats() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("golden.jsonl", record("a"))
        _ = try cli.run(["import", "golden.jsonl", "--author", "ana", "-m", "first, with a comma"])
        let json = try JSONSerialization.jsonObject(with: try cli.run(["versions", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(json.count == 1)
        #expect(json[0]["version"] as? Int == 1)
        #expect(json[0]["author"] as? String == "ana")
        let csv = try cli.run(["versions", "--format", "csv"]).output
        #expect(csv.contains("\"first, with a comma\""))
        #expect(try cli.run(["versions"]).output.contains("ana"))
        #expect(try cli.run(["versions", "--format", "jsonl"]).output.split(separator: "\n").count == 1)
    }

    @Test("log, show, blame and diff answer per id and field, and exit 1 for an id that is not there")
    func historyCommands() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("g.jsonl", record("a") + record("b"))
        _ = try cli.run(["import", "g.jsonl", "--author", "ana"])
        try cli.write("g.jsonl", record("a", "changed?") + record("c"))
        _ = try cli.run(["import", "g.jsonl", "--author", "sam"])
        let log = try cli.run(["log", "a", "-p"])
        #expect(log.status == 0)
        #expect(log.output.hasPrefix("version 2  changed"))
        #expect(log.output.contains("+ \"changed?\""))
        #expect(try cli.run(["show", "a", "--version", "1"]).stdout == Data(record("a").utf8))
        let removed = try cli.run(["show", "b"])
        #expect(removed.status == 1)
        #expect(removed.stderr.contains("removed in version 2"))
        #expect(try cli.run(["show", "nope"]).status == 1)
        #expect(try cli.run(["log", "nope"]).status == 1)
        let blame = try JSONSerialization.jsonObject(with: try cli.run(["blame", "a", "--format", "json"]).stdout) as! [[String: Any]]
        let input = try #require(blame.first { $0["field"] as? String == "input" })
        #expect(input["author"] as? String == "sam" && input["version"] as? Int == 2)
        let diff = try cli.run(["diff", "1", "2"])
        #expect(diff.status == 0)
        #expect(diff.output.contains("+ c") && diff.output.contains("- b") && diff.output.contains("~ a: input"))
        try cli.write("next.jsonl", record("a", "changed?") + record("c") + record("d"))
        #expect(
            try cli.run(["diff", "next.jsonl", "--stat"]).output.hasPrefix("diff version 2 -> next.jsonl: 1 added, 0 changed, 0 removed, 2 unchanged")
        )
    }

    @Test(
        "sync --git replays each commit of the file as a version with its author, once",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/git"), "no git"))
    func syncGit() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        func git(_ arguments: [String], author: String = "ana") throws {
            let result = try CLI.execute(
                "/usr/bin/git", arguments, in: cli.folder,
                environment: [
                    "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "\(author)@example.com",
                    "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": "\(author)@example.com",
                ])
            #expect(result.status == 0, "git \(arguments): \(result.stderr)")
        }
        try git(["init", "-q", "-b", "main"])
        try FileManager.default.createDirectory(atPath: cli.folder + "/data", withIntermediateDirectories: true)
        let versions = [record("a") + record("b"), record("a", "edited?") + record("b"), record("a", "edited?") + record("c")]
        var hashes: [String] = []
        for (index, author) in ["ana", "sam", "li"].enumerated() {
            try cli.write("data/golden.jsonl", versions[index])
            hashes.append("sha256:" + sha256(Data(versions[index].utf8)))
            try git(["add", "data/golden.jsonl"], author: author)
            try git(["commit", "-q", "-m", "labelling session \(index + 1)"], author: author)
        }
        try cli.write("data/golden.jsonl", "{broken\n")  // a bad commit is skipped, not fatal
        try git(["commit", "-q", "-am", "oops"], author: "bot")
        try cli.write("data/golden.jsonl", versions[2])
        try git(["commit", "-q", "-am", "fix"], author: "bot")  // back to version 3's dataset: no new version
        try git(["mv", "data/golden.jsonl", "data/eval.jsonl"], author: "bot")
        try git(["commit", "-q", "-m", "rename"], author: "bot")  // followed

        let first = try cli.run(["sync", "--git", "data/eval.jsonl"])
        #expect(first.status == 1, "\(first.output)\(first.stderr)")  // one commit was skipped
        #expect(first.output.contains("skipped"))
        let listed = try JSONSerialization.jsonObject(with: try cli.run(["versions", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(listed.map { $0["hash"] as! String } == hashes)
        #expect(listed.map { $0["author"] as! String } == ["ana", "sam", "li"])
        #expect(listed.allSatisfy { ($0["commit"] as? String)?.count == 40 })
        let outside = try CLI()
        defer { outside.cleanUp() }
        try outside.write("g.jsonl", record("a"))
        let noRepository = try outside.run(["sync", "--git", "g.jsonl"])
        #expect(noRepository.status == 2)
        #expect(noRepository.stderr.contains("not inside a git repository"))
        let again = try cli.run(["sync", "--git", "data/eval.jsonl"])
        #expect(again.output.contains("0 new versions"))
        let blame = try JSONSerialization.jsonObject(with: try cli.run(["blame", "a", "--format", "json"]).stdout) as! [[String: Any]]
        let input = try #require(blame.first { $0["field"] as? String == "input" })
        #expect(input["author"] as? String == "sam")
        #expect(input["commit"] as? String == (listed[1]["commit"] as? String))
    }

    @Test(
        "hook install writes a pre-commit hook that refuses non-canonical dataset files",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/git"), "no git"))
    func preCommitHook() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        func git(_ arguments: [String]) throws -> CLI.Result {
            try CLI.execute(
                "/usr/bin/git", arguments, in: cli.folder,
                environment: [
                    "GIT_AUTHOR_NAME": "ana", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "ana",
                    "GIT_COMMITTER_EMAIL": "a@example.com", "EVALDB": CLI.binary,
                ])
        }
        _ = try git(["init", "-q", "-b", "main"])
        let installed = try cli.run(["hook", "install"])
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(try cli.run(["hook", "install"]).output.contains("already installed"))
        try FileManager.default.createDirectory(atPath: cli.folder + "/evals/data", withIntermediateDirectories: true)
        try cli.write("evals/data/golden.jsonl", record("a").replacingOccurrences(of: "\": ", with: "\":"))
        _ = try git(["add", "."])
        let refused = try git(["commit", "-q", "-m", "compact"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("evals/data/golden.jsonl:1"))
        try cli.write("evals/data/golden.jsonl", record("a"))
        _ = try git(["add", "."])
        #expect(try git(["commit", "-q", "-m", "canonical"]).status == 0)
        try "#!/bin/sh\nexit 0\n".write(toFile: cli.folder + "/.git/hooks/pre-commit", atomically: true, encoding: .utf8)
        #expect(try cli.run(["hook", "install"]).status == 2)
    }

    @Test("run record, report and compare: the gate exits 0 pass, 1 regression, 3 inconclusive")
    func gateExitStatuses() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let ids = (1...100).map { String(format: "ex-%03d", $0) }
        try cli.write("g.jsonl", ids.map { record($0) }.joined())
        _ = try cli.run(["import", "g.jsonl"])
        func results(_ name: String, failing: Set<Int>) throws {
            try cli.write(
                "\(name).jsonl", ids.enumerated().map { #"{"id": "\#($0.element)", "pass": \#(!failing.contains($0.offset))}"# + "\n" }.joined())
            let recorded = try cli.run(["run", "record", "\(name).jsonl", "--name", name, "--dataset-file", "g.jsonl"])
            #expect(recorded.status == 0, "\(recorded.stderr)")
        }
        try results("base", failing: Set(0..<10))
        try results("cand", failing: Set(0..<30))  // 20 more failures
        #expect(try cli.run(["report", "cand"]).output.contains("70.0"))
        #expect(try cli.run(["compare", "base", "cand"]).status == 0)  // no budget: a report
        #expect(try cli.run(["compare", "base", "cand", "--budget", "5"]).status == 1)
        #expect(try cli.run(["compare", "base", "cand", "--budget", "40"]).status == 0)
        let inconclusive = try cli.run(["compare", "base", "cand", "--budget", "25"])
        #expect(inconclusive.status == 3)
        #expect(inconclusive.output.contains("would settle it"))
        let power = try cli.run(["power", "--rate", "90", "--n", "100"])
        #expect(power.output.contains("±6.0 points"))
    }

    @Test("the README's sample runs record against the sample dataset and compare as it says")
    func sampleRuns() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dataset = root.appendingPathComponent("evals/data/v0/golden.jsonl").path
        #expect(try cli.run(["import", dataset]).status == 0)
        for name in ["baseline", "candidate"] {
            let path = root.appendingPathComponent("evals/runs/\(name).jsonl").path
            let recorded = try cli.run(["run", "record", path, "--name", name, "--dataset-file", dataset])
            #expect(recorded.status == 0, "\(recorded.stderr)")
        }
        #expect(try cli.run(["report", "baseline", "--by", "feature"]).status == 0)
        #expect(try cli.run(["compare", "baseline", "candidate", "--budget", "5"]).status == 3)
    }

    @Test("user data with ANSI escape codes cannot drive the terminal: no raw control byte reaches the output")
    func controlSequencesAreStripped() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let hostile = record("esc").replacingOccurrences(of: #""notes": null"#, with: #""notes": "\u001b[2J\u001b]0;pwned\u0007 cleared""#)
            .replacingOccurrences(of: #""source": "synth""#, with: #""source": "s\u001b[31mred""#)
        try cli.write("g.jsonl", hostile)
        _ = try cli.run(["import", "g.jsonl"])
        for arguments in [
            ["blame", "esc"], ["log", "esc", "-p"], ["slice", "--format", "table"], ["show", "esc"],
            ["sql", "SELECT source, notes FROM examples"], ["diff", "1", "g.jsonl", "-p"],
        ] {
            let result = try cli.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let controls = result.stdout.filter { $0 < 0x20 && $0 != 0x0A && $0 != 0x09 }
            #expect(controls.isEmpty, "\(arguments) printed control bytes \(Array(controls))")
        }
    }

    @Test(
        "UPDATE and DELETE on revisions fail in the sqlite3 shell, on the view and on the table behind it",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "no sqlite3 shell"))
    func sqliteShellCannotRewriteHistory() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("golden.jsonl", record("a"))
        _ = try cli.run(["import", "golden.jsonl"])
        for sql in ["UPDATE revisions SET record = '{}';", "DELETE FROM revisions;"] {
            let shell = try CLI.execute("/usr/bin/sqlite3", [cli.database, sql], in: cli.folder)
            #expect(shell.status != 0, "\(sql)")
            #expect(shell.stderr.contains("cannot modify revisions because it is a view"), "\(shell.stderr)")
        }
        for sql in ["UPDATE stored_revisions SET record = '{}';", "DELETE FROM stored_revisions;"] {
            let shell = try CLI.execute("/usr/bin/sqlite3", [cli.database, sql], in: cli.folder)
            #expect(shell.status != 0, "\(sql)")
            #expect(shell.stderr.contains("append-only"), "\(shell.stderr)")
        }
        let count = try CLI.execute("/usr/bin/sqlite3", [cli.database, "SELECT count(*) FROM revisions WHERE id = 'a';"], in: cli.folder)
        #expect(count.output == "1\n")
        #expect(try cli.run(["verify"]).status == 0)
    }

    @Test("a copied binary works on its own: the migrations are compiled in")
    func copiedBinaryWorks() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let copy = cli.folder + "/evaldb-copy"
        try CLI.copyBinary(to: copy)
        try cli.write("golden.jsonl", record("a"))
        let result = try cli.run(["import", "golden.jsonl"], executable: copy)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("without --db or EVALDB_DB the database lives in .evaldb at the git top level")
    func defaultDatabaseUnderGitTopLevel() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        try FileManager.default.createDirectory(atPath: cli.folder + "/.git", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cli.folder + "/evals/data", withIntermediateDirectories: true)
        try cli.write("evals/data/golden.jsonl", record("a"))
        let result = try CLI.execute(
            CLI.binary, ["import", "golden.jsonl"], in: cli.folder + "/evals/data",
            environment: ["EVALDB_DB": ""])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: cli.folder + "/.evaldb/evaldb.sqlite"))
    }
}
