import ArgumentParser
import EvalDBKit

struct BlameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blame",
        abstract: "Show who gave each field of an example its current value, and when.",
        discussion: """
            One row for each top-level field and each label key: the version, date, author and git \
            commit since which it has held its value, and the value, shortened. A removed example is \
            blamed as of its last live revision.

            Examples:
              evaldb blame booking-lookup-001
              evaldb blame booking-lookup-001 --version 2 --format json
            """)

    @Argument(help: "The example's id (compared byte for byte).")
    var id: String

    @OptionGroup var versionOptions: VersionOptions

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        let chosen = try versionOptions.resolve(in: store)
        guard let blame = try store.blame(id, at: chosen) else {
            Output.error("id \(Terminal.sanitized(id)) has no record at or before version \(chosen.number)")
            throw ExitCode(1)
        }
        if let removed = blame.removedBy {
            Output.stderr(
                "id \(Terminal.sanitized(id)) was removed in version \(removed.version) (\(removed.date), \(Terminal.sanitized(removed.author))); blaming its last live revision"
            )
        }
        let table = format.format == .table
        var listing = Listing(columns: ["field", "version", "rev", "date", "author", "commit", "value"])
        for line in blame.lines {
            let since = line.since
            listing.rows.append([
                .text(line.path), .int(since.version), .int(since.rev), .text(since.date), .text(since.author),
                since.gitCommit.map { .text(table ? String($0.prefix(10)) : $0) } ?? .null,
                table ? .text(folded(line.value, width: 60)) : format.format == .csv ? .text(line.value) : .json(line.value),
            ])
        }
        Output.stdout(format.render(listing))
    }
}
