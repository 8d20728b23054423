import ArgumentParser
import EvalDBKit

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the revisions of one example, newest first.",
        discussion: """
            Each revision: version, date, who, kind (added, changed, removed, restored) and the fields \
            and label keys it changed; -p also prints each changed value, old and new.

            Examples:
              evaldb log booking-lookup-001
              evaldb log booking-lookup-001 -p
            """)

    @Argument(help: "The example's id (compared byte for byte).")
    var id: String

    @Flag(name: .customShort("p"), help: "Print each changed field's old and new value.")
    var patch = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        let entries = try database.openForReading().log(of: id).map { ($0.revision, $0.changes) }
        guard !entries.isEmpty else {
            Output.error("no example has the id \(Terminal.sanitized(id))")
            throw ExitCode(1)
        }
        if format.format != .table {
            var listing = Listing(
                columns: ["version", "rev", "date", "author", "kind", "fields", "commit", "message"] + (patch ? ["changes"] : []))
            for (revision, changes) in entries {
                listing.rows.append(
                    [
                        .int(revision.version), .int(revision.rev), .text(revision.date), .text(revision.author),
                        .text(revision.kind.rawValue), .list(changes.map(\.path)),
                        revision.gitCommit.map { .text($0) } ?? .null, revision.message.map { .text($0) } ?? .null,
                    ] + (patch ? [.json(FieldChangesJSON.text(changes))] : []))
            }
            Output.stdout(format.render(listing))
            return
        }
        for (revision, changes) in entries {
            var heading = "version \(revision.version)  \(revision.kind.rawValue)  \(revision.date)  \(Terminal.sanitized(revision.author))"
            if let commit = revision.gitCommit { heading += "  commit \(commit.prefix(10))" }
            Output.stdout(heading)
            if let message = revision.message { Output.stdout("    \(Terminal.sanitized(message))") }
            if revision.kind == .changed || revision.kind == .restored {
                Output.stdout("    fields: \(changes.isEmpty ? "(none)" : changes.map(\.path).joined(separator: ", "))")
            }
            if patch && revision.kind != .removed { Output.fieldChanges(changes) }
            Output.stdout("")
        }
    }
}
