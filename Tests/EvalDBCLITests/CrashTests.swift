import Foundation
import Testing

/// SIGKILL during imports: the database is at the old version or the new one, never between, and
/// the next command works. `bench/crash.py` runs the long version of this.
@Suite("Crash safety", .timeLimit(.minutes(5)))
struct CrashTests {
    /// A dataset of `count` records whose questions carry `variant`.
    static func dataset(_ count: Int, variant: String) -> String {
        (1...count).map { record(String(format: "ex-%06d", $0), "question \($0) \(variant) " + String(repeating: "padding ", count: 20)) }.joined()
    }

    /// Starts `evaldb import --force FILE` (the file as it is, even an older version's), kills it with SIGKILL after `delay` seconds (if still running).
    static func killedImport(_ cli: CLI, _ file: String, after delay: Double) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["import", "--force", file]
        process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
        process.environment = ProcessInfo.processInfo.environment.merging(["EVALDB_DB": cli.database]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        let killed = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return killed
    }

    /// The current version's hash, after checking the database: integrity and every version's hash.
    static func checkedCurrentHash(_ cli: CLI) throws -> String? {
        let verify = try cli.run(["verify"])
        #expect(verify.status == 0, "verify: \(verify.output) \(verify.stderr)")
        let hash = try cli.run(["hash", "--version", "current"])
        return hash.status == 0 ? hash.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    @Test("SIGKILL at several moments of an import into an existing database leaves the old version or the new one")
    func killDuringImport() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let texts = [Self.dataset(20_000, variant: "a"), Self.dataset(20_000, variant: "b")]
        let files = try texts.enumerated().map { try cli.write("v\($0.offset).jsonl", $0.element) }
        let hashes = texts.map { "sha256:" + sha256(Data($0.utf8)) }
        #expect(try cli.run(["import", files[0]]).status == 0)
        var current = hashes[0]
        var kills = 0
        // Kills at several moments; on a machine fast enough to finish every import first, more
        // rounds with shorter delays until kills have landed mid-import (no timing luck needed).
        var delays = [0.05, 0.15, 0.3, 0.5, 0.8, 1.2]
        var round = 0
        while round < delays.count {
            let target = (round + 1) % 2
            if try Self.killedImport(cli, files[target], after: delays[round]) { kills += 1 }
            let now = try Self.checkedCurrentHash(cli)
            #expect(now == current || now == hashes[target], "after a kill at \(delays[round]) s")
            current = now ?? current
            round += 1
            if round == delays.count, kills < 2, delays.count < 40 { delays.append(delays[round - 1] / 2) }
        }
        #expect(kills >= 2)
        // --force: v1 may have landed last, and then v0 would be refused as an older version.
        let last = try cli.run(["import", "--force", files[0]])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(try Self.checkedCurrentHash(cli) == hashes[0])
    }

    @Test("SIGKILL during the first import into a new database leaves no database or the whole one")
    func killDuringFirstImport() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let text = Self.dataset(20_000, variant: "a")
        let file = try cli.write("v.jsonl", text)
        for delay in [0.05, 0.3, 0.8] {
            try? FileManager.default.removeItem(atPath: cli.folder + "/db")
            _ = try Self.killedImport(cli, file, after: delay)
            if FileManager.default.fileExists(atPath: cli.database) {
                #expect(try Self.checkedCurrentHash(cli) == "sha256:" + sha256(Data(text.utf8)))
            }
            let next = try cli.run(["import", file])
            #expect(next.status == 0, "\(next.stderr)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.folder + "/db").filter { $0.contains(".building-") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test("sql, slice and export during an import answer from the last version without waiting for it")
    func readersDuringImport() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        _ = try cli.run(["import", try cli.write("small.jsonl", Self.dataset(10, variant: "a"))])
        let big = try cli.write("big.jsonl", Self.dataset(40_000, variant: "b"))
        // The import stops with its version written and its transaction open (a fault point), and
        // the readers run then: each sees the old version, whole.
        let marker = cli.folder + "/paused"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["import", big]
        process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
        process.environment = ProcessInfo.processInfo.environment.merging([
            "EVALDB_DB": cli.database, "EVALDB_FAULT": "pause-before-commit", "EVALDB_FAULT_FILE": marker,
        ]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: marker) && process.isRunning && Date() < deadline { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: marker), "the import reached its commit")
        let sql = try cli.run(["sql", "SELECT count(*) AS n FROM examples", "--format", "csv", "--no-headers"])
        let slice = try cli.run(["slice", "--count-by", "feature", "--format", "csv", "--no-headers"])
        let export = try cli.run(["export"])
        #expect(process.isRunning, "the readers ran while the import held its transaction")
        try? FileManager.default.removeItem(atPath: marker)
        process.waitUntilExit()
        #expect(sql.status == 0 && slice.status == 0 && export.status == 0, "\(sql.stderr) \(slice.stderr) \(export.stderr)")
        #expect(sql.output.trimmingCharacters(in: .whitespacesAndNewlines) == "10")
        #expect(export.stdout == Data(Self.dataset(10, variant: "a").utf8))
        #expect(process.terminationStatus == 0)
        let after = try cli.run(["sql", "SELECT count(*) AS n FROM examples", "--format", "csv", "--no-headers"])
        #expect(after.output.trimmingCharacters(in: .whitespacesAndNewlines) == "40000", "the import committed once let go")
    }
}
