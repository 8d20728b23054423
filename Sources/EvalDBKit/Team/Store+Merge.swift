import Foundation

/// How an import met the database: straight (the file's base is the current version), or merged
/// with the versions made since the file's base (a review, an accepted proposal, another import).
public struct MergedImport: Sendable {
    public var result: ImportResult
    /// The file's base version, when the import was a merge.
    public var base: DatasetVersion?
    /// The version the database was at, when the import was a merge.
    public var mergedWith: DatasetVersion?
    /// Examples the database had changed since the base, kept (a merge).
    public var keptFromDatabase = 0
    /// Examples changed in the file and in the database, in different fields, merged field by field.
    public var mergedFieldByField: [String] = []
    /// The merged version was written back to the file.
    public var wroteFile = false

    /// A plain import: the file's base was the current version.
    public init(result: ImportResult) { self.result = result }

    init(result: ImportResult, base: DatasetVersion, mergedWith: DatasetVersion) {
        self.result = result
        self.base = base
        self.mergedWith = mergedWith
    }
}

extension Store {
    /// Imports the dataset file at `path` as `git merge` would: when the database has moved on
    /// since the version the file was last imported as or exported from (its base), the file's
    /// changes since the base and the database's are combined, example by example and, for an
    /// example changed on both sides, field by field (each top-level field and each label). The
    /// same field changed on both sides, or an example changed on one side and removed on the
    /// other, is a conflict: `Refusal.conflicts` names them and nothing is written. A file that is
    /// an older version (unchanged since its base) is refused as stale. The merged version is
    /// written back to the file. With `options.force`, or without a known base, it is a plain
    /// `importFile`.
    public func importMerging(
        _ path: String, options given: ImportOptions,
        progress: ((_ bytesRead: Int, _ totalBytes: Int?) -> Void)? = nil
    ) throws -> MergedImport {
        var options = given
        options.guardsMassRemoval = !options.force
        options.refusesOlderVersion = !options.force
        guard !options.force, path != "-", let current = try currentVersion(), let base = try base(of: path),
            base.version.number != current.number, base.version.hash != current.hash
        else { return MergedImport(result: try importFile(path, options: options, progress: progress)) }
        if base.isUnchanged {
            throw Refusal.staleFile(path: path, fileVersion: base.version.number, current: current.number)
        }
        let check = try DatasetFileCheck.check(path: path, options: .init(strict: options.strict, maxErrors: options.maxErrors))
        guard check.isValid else { throw EvalDBError.invalidData(errors: check.problems, truncated: check.truncated) }
        if check.hash == current.hash { return MergedImport(result: try importFile(path, options: options, progress: progress)) }
        if let older = try version(hash: check.hash) {
            throw Refusal.staleFile(path: path, fileVersion: older.number, current: current.number)
        }

        let merged = try threeWayMerge(base: base.version, current: current, file: path)
        guard merged.conflicts.isEmpty else {
            throw Refusal.conflicts(path: path, base: base.version.number, current: current.number, merged.conflicts)
        }
        var result = MergedImport(
            result: ImportResult(outcome: .dryRun, version: current, counts: .init(), renames: [], warnings: []),
            base: base.version, mergedWith: current)
        result.keptFromDatabase = merged.keptFromDatabase
        result.mergedFieldByField = merged.mergedFieldByField
        var change = VersionChange(
            author: options.author,
            message: options.message ?? "merge of \(storedPath(path)) (from version \(base.version.number)) into version \(current.number)")
        change.puts = merged.lines
        change.removals = try removedIds(from: current, keeping: merged.lines)
        change.order = merged.lines.map { DatasetMerge.idString(DatasetMerge.idKey(of: $0)) }
        change.date = options.date
        change.path = storedPath(path)
        change.parents = [current.hash, base.version.hash]  // both sides of the merge
        change.source = path
        change.allowReuse = options.allowReuse
        change.dryRun = options.dryRun
        result.result = try commit(change)
        if options.dryRun { return result }
        try export(result.result.version, toFile: path)
        try recordBase(of: path, version: result.result.version.row)
        result.wroteFile = true
        return result
    }

    /// The ids of `version` that none of `lines` holds.
    func removedIds(from version: DatasetVersion, keeping lines: [String]) throws -> [String] {
        let kept = Set(lines.map(DatasetMerge.idKey(of:)))
        return try recordsInOrder(of: version).filter { !kept.contains($0.id) }.map { DatasetMerge.idString($0.id) }
    }

    /// Merges the changes the dataset file at `path` made to `base` into `current`, example by
    /// example and, for an example changed on both sides, field by field. Throws when the file is
    /// not a valid dataset.
    func threeWayMerge(base: DatasetVersion, current: DatasetVersion, file path: String) throws -> DatasetMerge {
        DatasetMerge(base: try recordsInOrder(of: base), ours: try recordsInOrder(of: current), theirs: try DatasetMerge.records(ofFile: path))
    }

    /// The records of `version`, by their id's canonical JSON bytes.
    func recordsById(of version: DatasetVersion) throws -> [[UInt8]: String] {
        var result: [[UInt8]: String] = [:]
        for (id, record) in try recordsInOrder(of: version) { result[id] = record }
        return result
    }

    /// The records of `version` in its line order, each with its id's canonical JSON bytes.
    func recordsInOrder(of version: DatasetVersion) throws -> [DatasetMerge.Record] {
        var result: [DatasetMerge.Record] = []
        let idKey = Array(#""id""#.utf8)
        try forEachRecord(of: version) { line in
            result.append((CanonicalMembers.value(of: idKey, in: line).map { Array($0) } ?? [], String(decoding: line, as: UTF8.self)))
        }
        return result
    }
}
