/// A problem with one place in one input file: printed as `FILE:LINE:COL: error: message`.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in characters (Unicode code points) like Python's json module.
    public var column: Int
    /// Warnings (unknown top-level fields, ids differing only by normalisation) do not fail a command
    /// unless `--strict` makes them errors.
    public var isWarning: Bool = false
    /// The problems a caller tells apart; the others are `.other`, their words in `message`.
    public private(set) var kind: Kind = .other
    private var text: String

    public enum Kind: Sendable, Equatable {
        case other
        /// A git conflict marker (`<<<<<<< `, `|||||||`, `=======`, `>>>>>>> `): a merge that
        /// stopped and was never resolved.
        case unresolvedMerge
    }

    public init(file: String, line: Int, column: Int, message: String, isWarning: Bool = false) {
        self.file = file
        self.line = line
        self.column = column
        self.text = message
        self.isWarning = isWarning
    }

    /// A git conflict marker at `line` of `file`.
    public static func unresolvedMerge(file: String, line: Int) -> DataError {
        var error = DataError(file: file, line: line, column: 1, message: "")
        error.kind = .unresolvedMerge
        return error
    }

    /// What is wrong. A kind of its own is worded from the file and line as they are now (`sync`
    /// names a commit's file `COMMIT:PATH`); setting a message makes the problem `.other`.
    public var message: String {
        get {
            switch kind {
            case .other: text
            case .unresolvedMerge: "unresolved merge in \(file):\(line) (a git conflict marker); resolve the conflict, then import or sync"
            }
        }
        set {
            text = newValue
            kind = .other
        }
    }

    public var description: String {
        "\(file):\(line):\(column): \(isWarning ? "warning" : "error"): \(message)"
    }
}

/// Everything that can stop an evaldb command, as data. `description` words it without naming the
/// command line (the library has none); the `evaldb` executable adds the flags and commands that
/// resolve it.
public enum EvalDBError: Error, CustomStringConvertible, Sendable {
    /// The input has data errors (exit 1): `errors` holds up to `--max-errors` of them.
    case invalidData(errors: [DataError], truncated: Bool)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case newerDatabase(path: String, migration: String)
    case noSuchVersion(String)
    case ambiguousHash(String, matches: [String])
    case emptyDatabase
    /// No database file at this path.
    case noDatabase(String)
    /// A git revision that does not hold the dataset file (or holds an invalid one).
    case noDatasetAtRevision(String, path: String)
    /// A git revision whose dataset this database has no version of.
    case revisionNotImported(String, hash: String)
    case usage(String)
    /// A name that must not be empty (a reviewer's, a run's).
    case emptyName(NameKind)
    case noSuchRun(String)
    case runExists(String)
    /// No example with this id in the current version (or in the session's view of it).
    case noSuchExample(String)
    /// The example was removed in this review session.
    case removedInSession(String)
    /// An id that exists or existed: ids are never reused.
    case idTaken(String)
    /// A failure category belongs to a run's result: the session has no run.
    case failureCategoryNeedsRun
    /// A verdict belongs to a run's result: the session has no run.
    case verdictNeedsRun
    case noResult(run: String, id: String)
    /// The edits would leave no example.
    case emptyVersion
    /// An edit that cannot be applied (its text, or the record it would make).
    case invalidEdit(String)
    case invalidAxes(path: String, reason: String)
    /// A slice condition that is not KEY=VALUE.
    case badCondition(String)
    /// Keys no example has, and the keys that exist.
    case unknownKeys([String], existing: [String])
    /// A read-only query that would do more than read.
    case queryRefused(String)
    case queryInvalid(String)
    /// Two runs with no example in common (with the same content): nothing to compare.
    case noCommonExamples(base: String, candidate: String, edited: Int)
    /// A judge calibration needs at least `minimum` human verdicts of each class.
    case tooFewVerdicts(passes: Int, failures: Int, minimum: Int)
    /// No calibration saved under this name, and the names that exist.
    case noSuchCalibration(String, known: [String])
    /// A calibration whose judge is no better than chance (TPR + TNR ≤ 1) corrects nothing.
    case judgeNoBetterThanChance(String, truePositiveRate: Double, trueNegativeRate: Double)
    /// Split shares that are not three numbers between 0 and 1 adding up to 1.
    case invalidSplit(train: Double, dev: Double, test: Double)
    /// A sampling plan, trace condition or JSON pointer that cannot be used.
    case invalidSamplePlan(SamplePlanProblem)
    /// Imports kept committing while a review queue was read: it could not see one version.
    case datasetKeptChanging
    /// A change set of the team log does not give the dataset its record names (a hand edit, a
    /// damaged file): refused, nothing written.
    case changeSetMismatch(source: String, expected: String, found: String)
    /// The database contradicts its own storage model (damaged: `evaldb verify` says how).
    case storageInvariant(String)

    public enum NameKind: String, Sendable {
        case reviewer, run
    }

    public var description: String {
        switch self {
        case .invalidData(let errors, let truncated):
            let count = errors.filter { !$0.isWarning }.count
            return "\(count) error\(count == 1 ? "" : "s") in the input\(truncated ? " (stopped at the error limit)" : ""); nothing was written"
        case .cannotRead(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .newerDatabase(let path, let migration):
            return
                "\(path) was made by a newer evaldb (it has schema migration \(migration), which this evaldb does not know); upgrade evaldb to use it. The database was not changed."
        case .noSuchVersion(let spec):
            return "no dataset version \(spec)"
        case .ambiguousHash(let prefix, let matches):
            return "hash prefix \(prefix) matches several versions (\(matches.joined(separator: ", "))): give more digits"
        case .emptyDatabase:
            return "the database has no dataset version yet"
        case .noDatabase(let path):
            return "no database at \(path)"
        case .noDatasetAtRevision(let spec, let path):
            return "git revision \(spec) holds no valid dataset at \(path)"
        case .revisionNotImported(let spec, let hash):
            return "git revision \(spec) holds dataset \(hash.prefix(19)), which this database has no version of"
        case .usage(let message):
            return message
        case .emptyName(let kind):
            return "the \(kind.rawValue)'s name must not be empty"
        case .noSuchRun(let name):
            return "no run named \(quoted(name))"
        case .runExists(let name):
            return "a run named \(quoted(name)) exists already: runs are kept as recorded; give this one another name"
        case .noSuchExample(let id):
            return "no example \(quoted(id)) in the current version"
        case .removedInSession(let id):
            return "\(quoted(id)) is removed in this session"
        case .idTaken(let id):
            return "id \(quoted(id)) exists already (or existed); ids are never reused — give the new example a new id"
        case .failureCategoryNeedsRun:
            return "a failure category belongs to a run's result"
        case .verdictNeedsRun:
            return "a verdict belongs to a run's result"
        case .noResult(let run, let id):
            return "run \(quoted(run)) has no result for \(quoted(id))"
        case .changeSetMismatch(let source, let expected, let found):
            return
                "\(source) does not give the version it records: it should give \(expected.prefix(19)), it gives \(found.prefix(19)) (was it edited by hand?); nothing was written from it"
        case .storageInvariant(let message):
            return "the database is damaged: \(message)"
        case .emptyVersion:
            return "the session removed every example; a dataset version cannot be empty. Nothing was written."
        case .invalidEdit(let message):
            return message
        case .invalidAxes(let path, let reason):
            return "\(path): \(reason)"
        case .badCondition(let text):
            return "a condition is KEY=VALUE, found \(quoted(text))"
        case .unknownKeys(let unknown, let existing):
            return "no example has the key \(unknown.map(quoted).joined(separator: ", ")); keys that exist: \(existing.joined(separator: ", "))"
        case .queryRefused(let message):
            return "only reads are allowed: \(message) (the views are \(QueryViews.names.joined(separator: ", ")))"
        case .queryInvalid(let message):
            return message
        case .noCommonExamples(let base, let candidate, let edited):
            return "runs \(quoted(base)) and \(quoted(candidate)) have no example in common"
                + (edited > 0 ? " with the same input, context and expected output (\(edited) changed between their dataset versions)" : "")
                + ": nothing to compare"
        case .tooFewVerdicts(let passes, let failures, let minimum):
            return "a calibration needs at least \(minimum) human verdicts of each class on the judged outputs; "
                + "found \(passes) pass\(passes == 1 ? "" : "es") and \(failures) failure\(failures == 1 ? "" : "s")"
        case .noSuchCalibration(let name, let known):
            return "no judge calibration named \(quoted(name))"
                + (known.isEmpty ? " (none saved yet)" : "; saved: \(known.map(quoted).joined(separator: ", "))")
        case .judgeNoBetterThanChance(let name, let tpr, let tnr):
            return "calibration \(quoted(name)) has TPR + TNR = \(String(format: "%.3f", tpr + tnr)), not above 1: "
                + "its judge is no better than chance and its pass rate cannot be corrected"
        case .invalidSplit(let train, let dev, let test):
            return "the train, dev and test shares must each be between 0 and 1 and add up to 1; "
                + "found \(String(format: "%g", train)) + \(String(format: "%g", dev)) + \(String(format: "%g", test)) = \(String(format: "%g", train + dev + test))"
        case .invalidSamplePlan(let problem):
            return problem.description
        case .datasetKeptChanging:
            return "the dataset changed three times while its review queue was read; try again"
        }
    }
}

/// Why a sampling plan cannot run, as data; `description` words it without the command line.
public enum SamplePlanProblem: Sendable, Equatable, CustomStringConvertible {
    /// A JSON pointer that is not empty and does not start with "/".
    case pointerWithoutSlash(String)
    /// A "~" in a JSON pointer not followed by 0 or 1.
    case pointerBadEscape(String)
    /// A trace condition without "=".
    case conditionWithoutEquals(String)
    /// A trace condition on a key traces do not have, and the keys they have.
    case unknownTraceKey(String, known: [String])
    /// Neither a uniform sample nor a stratum.
    case nothingToSample
    /// A stratum named like the stratum of the traces no other matches.
    case stratumNamedLikeTheRest(String)
    case unnamedStratum
    case stratumDeclaredTwice(String)
    /// A limit of traces a session below 1.
    case perSessionBelowOne(Int)
    /// A label key sampling writes itself.
    case reservedLabel(String)
    case negativeQuota(stratum: String, Int)
    case rateOutOfRange(stratum: String, Double)

    public var description: String {
        switch self {
        case .pointerWithoutSlash(let text):
            return "a JSON pointer is empty or starts with \"/\" (like /request/messages), found \(quoted(text))"
        case .pointerBadEscape(let text):
            return "in a JSON pointer, ~ is written ~0 and / is written ~1; found \(quoted(text))"
        case .conditionWithoutEquals(let text):
            return "a condition is KEY=VALUE (like attributes.intent=refund), found \(quoted(text))"
        case .unknownTraceKey(let key, let known):
            return "a trace has no key \(quoted(key)); the keys are \(known.joined(separator: ", "))"
        case .nothingToSample:
            return "nothing to sample: give the size of the uniform sample, or a stratum and its quota"
        case .stratumNamedLikeTheRest(let name):
            return "\(quoted(name)) is the stratum of the traces that match no other: give yours another name"
        case .unnamedStratum:
            return "a stratum needs a name"
        case .stratumDeclaredTwice(let name):
            return "stratum \(quoted(name)) is declared twice"
        case .perSessionBelowOne(let limit):
            return "at least one trace a session: the limit must be 1 or more, found \(limit)"
        case .reservedLabel(let key):
            return "label \(quoted(key)) is written by sampling itself: choose another key"
        case .negativeQuota(let name, let k):
            return "the quota of \(quoted(name)) must be 0 or more, found \(k)"
        case .rateOutOfRange(let name, let rate):
            return "the rate of \(quoted(name)) must be above 0 and at most 1, found \(rate)"
        }
    }
}
