import ArgumentParser
import EvalDBKit
import Foundation

struct SQL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run one read-only SQL query over the documented views.",
        discussion: """
            Views: examples (the current examples, one column a field, JSON as text), labels(id, key, \
            value) (one row a label value, one per tag), revisions, versions, runs, results; docs/sql.md \
            lists their columns and the recipe's error-analysis queries. The views are in the database \
            file, so any SQL client (sqlite3, Python, Datasette) sees them too. The connection cannot \
            write by any path: INSERT, UPDATE, DELETE, DDL, ATTACH, VACUUM INTO, PRAGMA and extension \
            loading are refused.

            Examples:
              evaldb sql "SELECT key, value, count(*) FROM labels GROUP BY key, value \\
                  ORDER BY 3 DESC"
              evaldb sql "SELECT id, source FROM examples WHERE notes IS NULL" \\
                  --format csv
            """)

    @Argument(help: "One SQL statement.")
    var query: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        _ = try database.openForReading()  // migrates it when it can be written; an error when there is none; like every command
        let result = try ReadOnlyQuery(path: database.path).run(query)
        var listing = Listing(columns: result.columns)
        for row in result.rows {
            listing.rows.append(
                row.map { value in
                    switch value {
                    case .null: .null
                    case .integer(let number): .int(Int(number))
                    case .real(let number): .real(number)
                    case .text(let text): .text(text)
                    case .blob(let bytes): .text(bytes.map { String(format: "%02x", $0) }.joined())
                    }
                })
        }
        Output.stdout(format.render(listing))
    }
}
