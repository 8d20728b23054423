import ArgumentParser
import EvalDBKit

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the database: integrity, every version's hash, and the revision history.",
        discussion: """
            Runs PRAGMA integrity_check, re-exports every version and compares its hash with the stored \
            one, and checks that revisions, example heads and version counts agree. Exits 1 with what \
            is wrong.

            Example:
              evaldb verify
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        let store = try database.openForReading()
        let problems = try store.verify()
        if format.format != .table {
            var listing = Listing(columns: ["ok", "versions", "problems"])
            listing.rows.append([.json(problems.isEmpty ? "true" : "false"), .int(try store.versions().count), .list(problems.map { "\($0)" })])
            Output.stdout(format.format == .json ? JSONOutput.firstObject(of: listing) : format.render(listing))
            if !problems.isEmpty { throw ExitCode(1) }
            return
        }
        if problems.isEmpty {
            let versions = try store.versions()
            Output.stdout("ok: \(versions.count) version\(versions.count == 1 ? "" : "s") verified")
            return
        }
        for problem in problems { Output.stderr("evaldb: verify: \(problem)") }
        throw ExitCode(1)
    }
}
