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

    /// Starts `evaldb import --force FILE` (the file as it is, even an older version's) with the
    /// fault point `fault` (`EVALDB_FAULT`, docs/reliability.md), waits until the import has paused
    /// there — mid-import, nothing committed — and kills it with SIGKILL. False when it never
    /// paused there (it ended first, or a minute passed).
    static func killedImport(_ cli: CLI, _ file: String, at fault: String) throws -> Bool {
        let marker = cli.folder + "/paused"
        try? FileManager.default.removeItem(atPath: marker)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["import", "--force", file]
        process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
        process.environment = ProcessInfo.processInfo.environment.merging([
            "EVALDB_DB": cli.database, "EVALDB_FAULT": fault, "EVALDB_FAULT_FILE": marker,
        ]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The paused import waits for the marker to go, which only this test removes.
        let paused =
            waitUntil { FileManager.default.fileExists(atPath: marker) || !process.isRunning }
            && FileManager.default.fileExists(atPath: marker)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: marker)
        return paused && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// The current version's hash, after checking the database: integrity and every version's hash.
    static func checkedCurrentHash(_ cli: CLI) throws -> String? {
        let verify = try cli.run(["verify"])
        #expect(verify.status == 0, "verify: \(verify.output) \(verify.stderr)")
        let hash = try cli.run(["hash", "--version", "current"])
        return hash.status == 0 ? hash.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// Moments of an import where a kill lands (fault points the import pauses at): after its first
    /// record, after a random number of them, after its last (removals and the version not yet
    /// written), and with its version written, before the commit. `bench/crash.py` kills at random
    /// delays instead, many times.
    static func moments(records: Int) -> [String] {
        let middle = Int.random(in: 2..<records)
        return ["pause-after-records=1", "pause-after-records=\(middle)", "pause-after-records=\(records)", "pause-before-commit"]
    }

    @Test("SIGKILL at several moments of an import into an existing database leaves the old version; the next import makes the new one")
    func killDuringImport() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let texts = [Self.dataset(20_000, variant: "a"), Self.dataset(20_000, variant: "b")]
        let files = try texts.enumerated().map { try cli.write("v\($0.offset).jsonl", $0.element) }
        let hashes = texts.map { "sha256:" + sha256(Data($0.utf8)) }
        #expect(try cli.run(["import", files[0]]).status == 0)
        var current = 0
        for moment in Self.moments(records: 20_000) {
            let target = 1 - current
            // Every kill lands mid-import: the import waits at the moment until it is killed.
            #expect(try Self.killedImport(cli, files[target], at: moment), "the import paused at \(moment) and was killed there")
            #expect(try Self.checkedCurrentHash(cli) == hashes[current], "after a kill at \(moment): the old version, whole")
            // --force: the file may be an older version's.
            let next = try cli.run(["import", "--force", files[target]])
            #expect(next.status == 0, "after a kill at \(moment): \(next.stderr)")
            #expect(try Self.checkedCurrentHash(cli) == hashes[target], "after a kill at \(moment): the next import made its version")
            current = target
        }
    }

    @Test("SIGKILL during the first import into a new database leaves no database; the next import makes the whole one")
    func killDuringFirstImport() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let text = Self.dataset(20_000, variant: "a")
        let file = try cli.write("v.jsonl", text)
        // The moments of an import into a database being built aside, and the one after it is
        // built and synced, before it is linked into place.
        for moment in Self.moments(records: 20_000) + ["pause-before-link"] {
            try? FileManager.default.removeItem(atPath: cli.folder + "/db")
            #expect(try Self.killedImport(cli, file, at: moment), "the import paused at \(moment) and was killed there")
            #expect(!FileManager.default.fileExists(atPath: cli.database), "after a kill at \(moment): no database")
            let next = try cli.run(["import", file])
            #expect(next.status == 0, "after a kill at \(moment): \(next.stderr)")
            #expect(try Self.checkedCurrentHash(cli) == "sha256:" + sha256(Data(text.utf8)), "after a kill at \(moment)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.folder + "/db").filter { $0.contains(".building-") }
            #expect(leftovers.isEmpty, "after a kill at \(moment): \(leftovers)")
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
        let reached = waitUntil(120) { FileManager.default.fileExists(atPath: marker) || !process.isRunning }
        #expect(reached && FileManager.default.fileExists(atPath: marker), "the import reached its commit")
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
