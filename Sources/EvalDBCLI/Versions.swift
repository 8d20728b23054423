import ArgumentParser
import EvalDBKit

struct Versions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the dataset versions, in the order this database came to hold them.",
        discussion: """
            A version is its dataset hash; its author, date, message and parents (the version an \
            import started from, both sides of a merge, a commit's parents' datasets) are the same \
            in every clone. The number is this database's own name for it: another clone may number \
            it otherwise. Counts are against the first parent.

            Examples:
              evaldb versions
              evaldb versions --graph
              evaldb versions --format json
            """)

    @Flag(help: "Draw the versions newest first with their parents, as `git log --graph` draws commits.")
    var graph = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func validate() throws {
        if graph && format.format != .table { throw ValidationError("--graph draws a table; --format json lists each version's parents") }
    }

    func run() throws {
        let versions = try database.openForReading().versions()
        if graph {
            for line in VersionGraphText.lines(
                versions,
                describe: { v in
                    "\(v.number)  \(v.shortHash)  \(v.createdAt)  \(Terminal.sanitized(v.author))  \(Terminal.sanitized(v.message ?? ""))"
                })
            {
                Output.stdout(line)
            }
            return
        }
        let long = format.format != .table
        var listing = Listing(
            columns: [
                "version", "hash", "date", "author", "message", "examples", "added", "changed",
                "removed", "restored", "commit", "parents",
            ] + (long ? ["source"] : []))
        for v in versions {
            var row: [Listing.Value] = [
                .int(v.number), .text(long ? v.hash : v.shortHash), .text(v.createdAt), .text(v.author),
                v.message.map { .text($0) } ?? .null, .int(v.exampleCount), .int(v.counts.added), .int(v.counts.changed),
                .int(v.counts.removed), .int(v.counts.restored),
                v.gitCommit.map { .text(long ? $0 : String($0.prefix(10))) } ?? .null,
                .list(v.parents.map { long ? $0 : String($0.dropFirst("sha256:".count).prefix(12)) }),
            ]
            if long { row.append(v.sourcePath.map { .text($0) } ?? .null) }
            listing.rows.append(row)
        }
        if versions.isEmpty && format.format == .table {
            Output.stdout("no versions yet: run `evaldb import FILE`")
            return
        }
        Output.stdout(format.render(listing))
    }
}
