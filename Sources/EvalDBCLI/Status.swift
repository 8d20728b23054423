import ArgumentParser
import EvalDBKit

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the current version and whether the dataset file matches the database.",
        discussion: """
            Exits 1 when FILE (default: the file last imported) does not match the current version. \
            Shows, per reviewer, how many current examples they have read in `evaldb review`, the \
            review sessions still open (who, since when, their pending edits, and whether they were \
            killed: the next `evaldb review` of anyone ends those), and the files of the team log \
            (evals/log/) with events not committed to git yet.

            Examples:
              evaldb status
              evaldb status --file evals/data/v0/golden.jsonl
            """)

    @Option(help: "The dataset file to compare (default: the file last imported).")
    var file: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        guard let current = try store.currentVersion() else { throw EvalDBError.emptyDatabase }
        let path = file ?? current.sourcePath
        var state: FileState?
        var fileHash: String? = nil
        var canonical: Bool?
        if let path {
            let comparison = try store.compare(file: file ?? store.openablePath(path))
            Output.problems(comparison.problems)
            fileHash = comparison.hash
            canonical = comparison.isValid ? comparison.isCanonical : nil
            state = comparison.state(against: current)
        }
        let progress = try store.readProgress()
        let sessions = try store.openReviewSessions()
        let uncommitted = store.uncommittedLogFiles()
        if format.format != .table {
            var listing = Listing(
                columns: [
                    "version", "hash", "examples", "file", "file_hash", "state", "canonical", "read", "open_sessions", "log_uncommitted",
                ])
            listing.rows.append([
                .int(current.number), .text(current.hash), .int(current.exampleCount),
                path.map { .text($0) } ?? .null, fileHash.map { .text($0) } ?? .null, state.map { .text($0.rawValue) } ?? .null,
                canonical.map { .json($0 ? "true" : "false") } ?? .null,
                .json(
                    JSONOutput.array(
                        progress.map { .object([("reviewer", .string($0.reviewer)), ("read", .int($0.read)), ("total", .int($0.total))]) }
                    ).text),
                .json(
                    JSONOutput.array(
                        sessions.map {
                            .object([
                                ("reviewer", .string($0.reviewer)), ("since", .string($0.startedAt)), ("pending_edits", .int($0.pendingEdits)),
                                ("running", .bool($0.isRunning)),
                            ])
                        }
                    ).text),
                .list(uncommitted),
            ])
            Output.stdout(format.render(listing))
        } else {
            Output.stdout("version \(current.number)  \(current.hash)")
            Output.stdout("\(current.exampleCount) examples")
            if progress.isEmpty { Output.stdout("read: nobody has reviewed the current examples yet (`evaldb review`)") }
            for reader in progress {
                Output.stdout(
                    "read by \(Terminal.sanitized(reader.reviewer)): \(reader.read) of \(reader.total) (\(Int((reader.share * 100).rounded(.down)))%)"
                )
            }
            for session in sessions {
                let edits = "\(session.pendingEdits) pending edit\(session.pendingEdits == 1 ? "" : "s")"
                Output.stdout(
                    "review session of \(Terminal.sanitized(session.reviewer)) open since \(session.startedAt): \(edits); "
                        + (session.isRunning
                            ? "still running"
                            : "its process is gone (killed?): the next `evaldb review` (anyone's) ends it, making its version"))
            }
            if let path, let state {
                switch state {
                case .inSync where canonical == false:
                    Output.stdout(
                        "\(path): in sync, but not canonical (its sha256sum is not the dataset hash); `evaldb export -o \(path)` writes it canonically"
                    )
                case .inSync: Output.stdout("\(path): in sync")
                case .differs:
                    Output.stdout(
                        "\(path): differs from version \(current.number) (file hash \(fileHash ?? "?")); `evaldb import \(path)` records it, `evaldb export -o \(path)` restores it"
                    )
                case .invalid: Output.stdout("\(path): invalid (see the errors above)")
                }
            }
            if !uncommitted.isEmpty {
                Output.stdout(
                    "team log: \(uncommitted.count) file\(uncommitted.count == 1 ? "" : "s") in \(Repository.logFolderName)/ with events git does not hold yet: commit them (`git add \(Repository.logFolderName)`) so that the team sees them"
                )
            }
        }
        if path != nil && state != .inSync { throw ExitCode(1) }
    }
}
