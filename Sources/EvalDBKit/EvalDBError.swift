/// A problem with one place in one input file: printed as `FILE:LINE:COL: error: message`.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in characters (Unicode code points) like Python's json module.
    public var column: Int
    public var message: String
    /// Warnings (unknown top-level fields, ids differing only by normalisation) do not fail a command
    /// unless `--strict` makes them errors.
    public var isWarning: Bool = false

    public init(file: String, line: Int, column: Int, message: String, isWarning: Bool = false) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.isWarning = isWarning
    }

    public var description: String {
        "\(file):\(line):\(column): \(isWarning ? "warning" : "error"): \(message)"
    }
}

/// Everything that can stop an evaldb command, each with a message a user can act on.
public enum EvalDBError: Error, CustomStringConvertible, Sendable {
    /// The input has data errors (exit 1): `errors` holds up to `--max-errors` of them.
    case invalidData(errors: [DataError], truncated: Bool)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case newerDatabase(path: String, migration: String)
    case noSuchVersion(String)
    case ambiguousHash(String, matches: [String])
    case emptyDatabase
    /// A git revision that does not hold the dataset file (or holds an invalid one).
    case noDatasetAtRevision(String, path: String)
    /// A git revision whose dataset this database has no version of.
    case revisionNotImported(String, hash: String)
    case usage(String)

    public var description: String {
        switch self {
        case .invalidData(let errors, let truncated):
            let count = errors.filter { !$0.isWarning }.count
            return "\(count) error\(count == 1 ? "" : "s") in the input\(truncated ? " (stopped at --max-errors)" : ""); nothing was written"
        case .cannotRead(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .newerDatabase(let path, let migration):
            return "\(path) was made by a newer evaldb (it has schema migration \(migration), which this evaldb does not know); upgrade evaldb to use it. The database was not changed."
        case .noSuchVersion(let spec):
            return "no dataset version \(spec): `evaldb versions` lists them"
        case .ambiguousHash(let prefix, let matches):
            return "hash prefix \(prefix) matches several versions (\(matches.joined(separator: ", "))): give more digits"
        case .emptyDatabase:
            return "the database has no dataset version yet: run `evaldb import FILE` first"
        case .noDatasetAtRevision(let spec, let path):
            return "git revision \(spec) holds no valid dataset at \(path)"
        case .revisionNotImported(let spec, let hash):
            return "git revision \(spec) holds dataset \(hash.prefix(19)), which this database has no version of: run `evaldb sync`"
        case .usage(let message):
            return message
        }
    }
}
