import ArgumentParser
import EvalDBKit
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make the database's current dataset equal to a JSONL file, as one new version.",
        discussion: """
            Each added, changed, removed or restored example gets one new revision; unchanged ones get \
            none. Re-importing a file whose dataset hash is the current version's makes no version. \
            Bad input writes nothing: every error is printed as FILE:LINE:COL and the exit status is 1.

            Like `git merge`: when the database has moved on since the version the file was last \
            imported as or exported from (a review, an accepted proposal, another clone's version \
            synced), the file's changes and the database's are combined example by example and field \
            by field, and the merged version is written back to the file. The same field changed on \
            both sides is a conflict: the ids and fields are named and nothing is written (exit 1). A \
            file that is an older version is refused as stale, and so is a file that removes more than \
            half of the examples; --force imports the file as it is.

            Examples:
              evaldb import evals/data/v0/golden.jsonl \\
                  --message "triage of 2026-04-15 traces"
              evaldb import next.jsonl --dry-run
            """)

    @Argument(help: "The dataset file ('-' for standard input).")
    var file: String

    @Option(help: "Who made this version (default: git's user.name, else $USER).")
    var author: String?

    @Option(name: .shortAndLong, help: "Why this version exists.")
    var message: String?

    @Flag(name: .customLong("dry-run"), help: "Report what would change; write nothing.")
    var dryRun = false

    @Flag(help: "With --dry-run: list the ids the file adds, changes and removes.")
    var ids = false

    @Flag(name: .customLong("allow-reuse"), help: "Accept a removed id coming back with different content.")
    var allowReuse = false

    @Flag(help: "Import the file as it is: no merge with newer versions, no stale or mass-removal refusal.")
    var force = false

    @OptionGroup var input: InputOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func validate() throws {
        if ids && !dryRun { throw ValidationError("--ids goes with --dry-run") }
    }

    func run() throws {
        let who = author ?? defaultUser()
        var options = ImportOptions(
            author: who, message: message, dryRun: dryRun, strict: input.strict, allowReuse: allowReuse,
            maxErrors: max(1, input.maxErrors), gitCommit: Git.commitOfCleanFile(file))
        options.force = force
        let progress = Output.Progress("importing \(file)")
        let merged: MergedImport
        if !dryRun && file != "-" && !FileManager.default.fileExists(atPath: database.path) {  // stdin cannot be read twice
            merged = MergedImport(
                result: try Store.importIntoNewDatabase(
                    at: database.path, file: file, options: options, repository: database.repository
                ) {
                    progress.update(bytes: $0, of: $1)
                }.1)
        } else {
            merged = try database.open().importMerging(file, options: options) { progress.update(bytes: $0, of: $1) }
        }
        let result = merged.result
        progress.finish()
        Output.problems(result.warnings)
        let version = result.version
        var listing = Listing(columns: ["outcome", "version", "hash", "examples", "added", "changed", "removed", "restored", "unchanged"])
        let outcome: String
        switch result.outcome {
        case .created: outcome = "created"
        case .unchanged: outcome = "unchanged"
        case .dryRun: outcome = "dry-run"
        }
        let c = result.counts
        listing.rows.append([
            .text(outcome), .int(version.number), .text(version.hash), .int(version.exampleCount),
            .int(c.added), .int(c.changed), .int(c.removed), .int(c.restored), .int(c.unchanged),
        ])
        // --ids: what the file adds, changes and removes against the current version.
        let diff = try ids && result.outcome == .dryRun ? idsDiff() : nil
        if let diff {
            listing.columns += ["added ids", "changed ids", "removed ids"]
            listing.rows[0] += [.list(diff.added), .list(diff.changed.map(\.id)), .list(diff.removed)]
        }
        if format.format != .table {
            Output.stdout(format.render(listing))
            return
        }
        switch result.outcome {
        case .created:
            Output.stdout("version \(version.number)  \(version.hash)")
        case .unchanged:
            Output.stdout("unchanged: the file's dataset hash is that of version \(version.number); no new version")
            Output.stdout("version \(version.number)  \(version.hash)")
        case .dryRun:
            Output.stdout("dry run: would make version \(version.number)  \(version.hash); nothing written")
        }
        Output.stdout(
            "\(version.exampleCount) examples: \(c.added) added, \(c.changed) changed, \(c.removed) removed, \(c.restored) restored, \(c.unchanged) unchanged"
        )
        if let base = merged.base, let other = merged.mergedWith {
            Output.stdout(
                "merged: the file's changes since version \(base.number) with version \(other.number)'s (\(merged.keptFromDatabase) examples changed in the database kept)"
            )
            if !merged.mergedFieldByField.isEmpty {
                Output.stdout("merged field by field: \(merged.mergedFieldByField.prefix(10).map(Terminal.sanitized).joined(separator: ", "))")
            }
            if merged.wroteFile { Output.stdout("wrote version \(version.number) back to \(file)") }
        }
        for rename in result.renames {
            Output.stdout(
                "probable rename: \(Terminal.sanitized(rename.from)) -> \(Terminal.sanitized(rename.to)) (identical apart from the id; counted as removed and added)"
            )
        }
        if let diff {
            for id in diff.added { Output.stdout("+ \(Terminal.sanitized(id))") }
            for changed in diff.changed {
                Output.stdout("~ \(Terminal.sanitized(changed.id)): \(changed.changes.map(\.path).joined(separator: ", "))")
            }
            for id in diff.removed { Output.stdout("- \(Terminal.sanitized(id))") }
        }
    }

    /// The ids of the file against the current version (none yet: every id is added).
    private func idsDiff() throws -> DatasetDiff? {
        guard file != "-", FileManager.default.fileExists(atPath: database.path) else { return nil }
        let store = try database.openForReading()
        guard let current = try store.currentVersion() else { return nil }
        return try store.diff(.version(current), .file(file))
    }
}
