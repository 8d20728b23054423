/// How a dataset file compares with the database: `status`.
public struct FileComparison: Sendable {
    public var hash: String?
    public var problems: [DataError]
    /// Every line is canonical already: the file's `sha256sum` is its dataset hash.
    public var isCanonical: Bool
    public var isValid: Bool { !problems.contains { !$0.isWarning } }
}

extension Store {
    /// The dataset hash of the file at `path`: from its raw bytes when they are those the current
    /// version was imported from, else by canonicalising it.
    public func compare(file path: String) throws -> FileComparison {
        if let current = try currentVersion(), path != "-", let sha = current.sourceSHA256,
            let reader = try? LineReader(path: path), reader.totalBytes == current.sourceBytes,
            try FileDigest.sha256(path: path) == sha
        {
            return FileComparison(hash: current.hash, problems: [], isCanonical: current.hash == "sha256:" + sha)
        }
        let check = try DatasetFileCheck.check(path: path)
        return FileComparison(
            hash: check.isValid ? check.hash : nil, problems: check.problems, isCanonical: check.isValid && check.firstNonCanonicalLine == nil)
    }
}

/// How a dataset file stands against a version: `status`.
public enum FileState: String, Sendable {
    /// The file's dataset is the version's.
    case inSync = "in sync"
    /// A valid dataset, another one.
    case differs
    /// Not a valid dataset.
    case invalid
}

extension FileComparison {
    public func state(against version: DatasetVersion) -> FileState {
        guard isValid else { return .invalid }
        return hash == version.hash ? .inSync : .differs
    }
}
