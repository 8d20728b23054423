import Foundation
import Testing

/// The team log follows the database, never leads it: what a command makes is written to the log
/// after its transaction commits (the outbox), and a kill between the two is mended by the next
/// command (docs/reliability.md).
@Suite("the team log follows the database")
struct OutboxTests {
    let folder: String
    static let dataset = "evals/data/v0/golden.jsonl"

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-outbox-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// The database's rows and the log's files, read without evaldb (which would write the log).
    func sqlite(_ clone: Clone, _ query: String) throws -> String {
        let result = try CLI.execute("/usr/bin/env", ["sqlite3", clone.path + "/.evaldb/evaldb.sqlite", query], in: clone.path)
        #expect(result.status == 0, "\(result.stderr)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func logText(_ clone: Clone) -> String {
        let log = clone.path + "/evals/log"
        guard let walker = FileManager.default.enumerator(atPath: log) else { return "" }
        var text = ""
        while let name = walker.nextObject() as? String {
            if name.hasSuffix(".jsonl") { text += (try? String(contentsOfFile: log + "/" + name, encoding: .utf8)) ?? "" }
        }
        return text
    }

    func evaldb(_ clone: Clone, _ arguments: [String], stdin: String? = nil, fault: String? = nil) throws -> CLI.Result {
        var environment = ["EVALDB_DB": ""]
        if let fault { environment["EVALDB_FAULT"] = fault }
        return try CLI.execute(CLI.binary, arguments, in: clone.path, stdin: stdin.map { Data($0.utf8) }, environment: environment)
    }

    @Test(
        "a kill between a commit and its log: the state is there and its event not yet; the next command writes the event, once",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "no sqlite3 shell"),
        arguments: ["kill-before-log", "kill-while-writing-log"])
    func killBetweenCommitAndLog(fault: String) throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        #expect(try evaldb(ana, ["import", Self.dataset, "-m", "first"]).status == 0)
        let before = logText(ana)

        // A version, killed after COMMIT and before (or while) its log is written.
        var lines = String(decoding: try ana.read(Self.dataset), as: UTF8.self).split(separator: "\n").map(String.init)
        let edited = try #require(lines.firstIndex { $0.contains("\"notes\": null") })
        lines[edited] = lines[edited].replacingOccurrences(of: "\"notes\": null", with: "\"notes\": \"killed\"")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: ana.path + "/" + Self.dataset))
        let killed = try evaldb(ana, ["import", Self.dataset, "-m", "second"], fault: fault)
        #expect(killed.status != 0, "the process was killed")
        #expect(try sqlite(ana, "SELECT count(*) FROM stored_versions") == "2", "the version is committed")
        if fault == "kill-before-log" {
            #expect(logText(ana) == before, "no event is written before its state commits, and none yet after")
            #expect(try sqlite(ana, "SELECT count(*) FROM outbox") != "0", "the event waits in the outbox")
        }

        // The next command, whatever it is, writes what waited, once.
        #expect(try evaldb(ana, ["status"]).status == 0)
        #expect(try sqlite(ana, "SELECT count(*) FROM outbox") == "0")
        var log = logText(ana)
        #expect(log.contains("\"message\": \"second\""), "the version's record")
        #expect(log.components(separatedBy: "\"message\": \"second\"").count == 2, "written once")

        // A read mark, killed the same way, then mended by the next command.
        let read = try evaldb(ana, ["review", "--reviewer", "ana"], stdin: "y\nq\n", fault: fault)
        #expect(read.status != 0)
        #expect(try sqlite(ana, "SELECT count(*) FROM review_marks") == "1", "the mark is committed")
        #expect(try evaldb(ana, ["status"]).output.contains("read by ana: 1 of 42"))
        log = logText(ana)
        #expect(log.components(separatedBy: "\"event\": \"read\"").count == 2, "the read mark, once")

        // And the log is the truth: a fresh clone of it has the version and the mark.
        try ana.commitAll("the log")
        let ben = try Clone.clone(ana, in: folder, user: "ben")
        #expect(try evaldb(ben, ["sync"]).status == 0)
        let versions = try JSONSerialization.jsonObject(with: try evaldb(ben, ["versions", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(versions.map { $0["message"] as? String } == ["first", "second"])
        #expect(try evaldb(ben, ["status"]).output.contains("read by ana: 1 of 42"))
    }

    @Test("a command that fails writes nothing to the log")
    func failedCommandLogsNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        #expect(try evaldb(ana, ["import", Self.dataset, "-m", "first"]).status == 0)
        let before = logText(ana)
        try Data("{\"id\": \"broken\"\n".utf8).write(to: URL(fileURLWithPath: ana.path + "/" + Self.dataset), options: .atomic)
        #expect(try evaldb(ana, ["import", Self.dataset]).status == 1)
        #expect(
            try evaldb(
                ana, ["run", "record", "evals/runs/baseline.jsonl", "--name", "x", "--dataset", "sha256:" + String(repeating: "0", count: 64)]
            ).status != 0)
        #expect(logText(ana) == before)
    }
}
