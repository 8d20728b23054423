import ArgumentParser
import EvalDBKit
import Foundation

/// `--db`, shared by every command that uses the database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The database (default: $EVALDB_DB, else .evaldb/evaldb.sqlite at the git top level or here).",
            valueName: "path"))
    var db: String?

    var path: String { db ?? Store.defaultPath() }

    /// The git work tree of the current folder: where the team's files live, what paths are
    /// relative to.
    var repository: Repository? { Repository.enclosing() }

    /// The database, made (with its folder) on first use: for the commands that write.
    func open() throws -> Store {
        let store = try Store(path: path)
        store.repository = repository
        return store
    }

    /// The database as it is, for the commands that only read: an error when there is none (a
    /// mistyped `--db` makes no new empty database), read-only when it cannot be written.
    func openForReading() throws -> Store {
        let store = try Store(readingAt: path)
        store.repository = repository
        return store
    }

    /// Opens the database for reading and runs a read command's queries in one read transaction
    /// (`Store.reading`): the current version read once, no import seen halfway.
    func reading<T>(_ body: (Store) throws -> T) throws -> T {
        let store = try openForReading()
        return try store.reading { try body(store) }
    }
}

/// How a listing command prints.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv
}

struct FormatOptions: ParsableArguments {
    @Option(name: .long, help: "table, json, jsonl or csv.")
    var format: OutputFormat = .table

    @OptionGroup var headers: HeaderOptions
    var noHeaders: Bool { headers.noHeaders }

    /// `listing` in the chosen format (or `format`, when the command chose one itself).
    func render(_ listing: Listing, as format: OutputFormat? = nil) -> String {
        listing.render(format ?? self.format, headers: !noHeaders)
    }
}

/// `--no-headers`, for csv output.
struct HeaderOptions: ParsableArguments {
    @Flag(name: .customLong("no-headers"), help: "Leave out the header line of csv output.")
    var noHeaders = false
}

/// `--version`: the dataset version a command reads — a number, a hash or hash prefix, or a git
/// revision (a tag, a branch, `HEAD~3`).
struct VersionOptions: ParsableArguments {
    @Option(help: "A version number, a hash prefix or a git revision (default: the current version).", completion: Completions.versions)
    var version: String?

    /// The version named, or the current one.
    func resolve(in store: Store) throws -> DatasetVersion { try store.resolveVersion(version ?? "current") }
}

/// `--max-errors` and `--strict`, shared by the commands that read dataset files.
struct InputOptions: ParsableArguments {
    @Flag(help: "Treat warnings (unknown top-level fields, ids differing only by normalisation) as errors.")
    var strict = false

    @Option(name: .customLong("max-errors"), help: "Stop after this many errors.")
    var maxErrors = 50

    var readerOptions: DatasetReader.Options { .init(strict: strict, maxErrors: max(1, maxErrors)) }
}

/// `--where`, `--tag` and `--source`: the conditions of `slice` and `review`.
struct ConditionOptions: ParsableArguments {
    @Option(name: .customLong("where"), help: "KEY=VALUE; repeat for AND.")
    var conditions: [String] = []

    @Option(name: .customLong("tag"), help: "An element of the `tags` label; repeat for AND.")
    var tags: [String] = []

    @Option(help: "Only examples whose source starts with this.")
    var source: String?

    func parsed() throws -> [SliceCondition] {
        var all = try conditions.map(SliceCondition.init(parsing:))
        all += tags.map { SliceCondition(key: "tags", match: .equals($0)) }
        if let source { all.append(SliceCondition(key: "source", match: .prefix(source))) }
        return all
    }
}

/// Who is at the keyboard: git's user.name, else $USER — the default author of versions, runs,
/// read marks and decisions.
func defaultUser() -> String {
    Git.userName() ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
}

/// Checks a regression budget given in points: 0 or more and under 100, and not a fraction where
/// points are meant (`--budget 0.02` for two points).
func validateBudget(_ budget: Double, flag: String = "--budget") throws {
    guard budget >= 0 else {
        throw ValidationError(
            "\(flag) is the size of a regression in points, 0 or more: \(flag) \(Listing.format(-budget, decimals: 1)), not \(Listing.format(budget, decimals: 1))"
        )
    }
    guard budget < 100 else { throw ValidationError("\(flag) is in points, under 100") }
    if budget > 0 && budget < 0.1 {
        throw ValidationError(
            "\(flag) is in points: \(flag) \(String(format: "%g", budget)) is \(String(format: "%g", budget)) of a point; for \(String(format: "%g", budget * 100)) points give \(flag) \(String(format: "%g", budget * 100))"
        )
    }
}
