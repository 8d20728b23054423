import Foundation

/// A three-way merge of datasets by example id, as `git merge` merges lines: the changes `theirs`
/// made to `base`, combined with those `ours` made. An example changed on one side takes that
/// side's record; changed on both, it is merged field by field (each top-level field and each
/// label key). The same field changed differently on both sides, an example changed on one side
/// and removed on the other, or one added on both sides with different content, is a conflict.
/// Ids are compared byte for byte (by their canonical JSON).
public struct DatasetMerge: Sendable {
    /// One example: its id's canonical JSON bytes and its canonical record.
    public typealias Record = (id: [UInt8], record: String)

    /// The merged dataset's canonical lines: `ours`'s order, `theirs`'s new examples last. With
    /// `markConflicts`, a conflicting example stands between git's conflict markers.
    public private(set) var lines: [String] = []
    public private(set) var conflicts: [MergeConflict] = []
    /// Examples `ours` changed, kept.
    public private(set) var keptFromDatabase = 0
    /// Examples changed on both sides in different fields, merged field by field.
    public private(set) var mergedFieldByField: [String] = []

    public init(base: [Record], ours: [Record], theirs: [Record], markConflicts: Bool = false) {
        var baseById: [[UInt8]: String] = [:]
        for (id, record) in base { baseById[id] = record }
        var theirsById: [[UInt8]: String] = [:]
        for (id, record) in theirs { theirsById[id] = record }
        var inOurs = Set<[UInt8]>()
        func conflict(_ id: [UInt8], fields: [String], theirs: String, ours: String, ourRecord: String?, theirRecord: String?) {
            conflicts.append(MergeConflict(id: Self.idString(id), fields: fields, file: theirs, database: ours))
            guard markConflicts else { return }
            lines.append("<<<<<<< ours")
            if let ourRecord { lines.append(ourRecord) }
            lines.append("=======")
            if let theirRecord { lines.append(theirRecord) }
            lines.append(">>>>>>> theirs")
        }
        for (id, record) in ours {
            inOurs.insert(id)
            let old = baseById[id]
            let file = theirsById[id]
            switch (!Self.same(old, record), !Self.same(old, file)) {
            case (false, false): lines.append(record)
            case (true, false): lines.append(record); keptFromDatabase += 1
            case (false, true): if let file { lines.append(file) }  // removed by theirs: left out
            case (true, true):
                guard let file else {
                    conflict(id, fields: [], theirs: "removed", ours: old == nil ? "added" : "changed", ourRecord: record, theirRecord: nil)
                    continue
                }
                if Self.same(file, record) { lines.append(record); continue }
                let mine = FieldChange.between(old.map(RecordFields.init(record:)), RecordFields(record: record))
                let yours = FieldChange.between(old.map(RecordFields.init(record:)), RecordFields(record: file))
                let both = Set(mine.map(\.path)).intersection(yours.map(\.path))
                let clashing = both.filter { path in !Self.same(mine.first { $0.path == path }?.new, yours.first { $0.path == path }?.new) }
                guard clashing.isEmpty, old != nil, let merged = try? Self.applying(yours, to: record) else {
                    conflict(
                        id, fields: clashing.sorted(), theirs: old == nil ? "added" : "changed", ours: old == nil ? "added" : "changed",
                        ourRecord: record, theirRecord: file)
                    continue
                }
                lines.append(merged)
                mergedFieldByField.append(Self.idString(id))
            }
        }
        // Examples ours removed since the base: a conflict when theirs changed them.
        for (id, old) in base where !inOurs.contains(id) {
            if let file = theirsById[id], !Self.same(file, old) {
                conflict(id, fields: [], theirs: "changed", ours: "removed", ourRecord: nil, theirRecord: file)
            }
        }
        // Examples new in theirs, in its order.
        for (id, record) in theirs where baseById[id] == nil && !inOurs.contains(id) { lines.append(record) }
        conflicts.sort { Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
    }

    /// The records of the dataset file at `path`, canonical, in its order. Throws
    /// `EvalDBError.invalidData` when it is not a valid dataset; an empty file has none.
    public static func records(ofFile path: String) throws -> [Record] {
        if let size = Store.fileStat(path)?.size, size == 0 { return [] }
        var records: [Record] = []
        let reader = try DatasetReader(path: path)
        try reader.read { record, _ in
            let canonical = String(decoding: record.canonical, as: UTF8.self)
            records.append((idKey(of: canonical), canonical))
        }
        if reader.hasErrors { throw EvalDBError.invalidData(errors: reader.problems, truncated: reader.stoppedEarly) }
        return records
    }

    /// Merges three dataset files as `git merge` does with evaldb as its merge driver: the result
    /// (canonical, with conflict markers around conflicting examples) and the conflicts.
    public static func mergeFiles(base: String, ours: String, theirs: String) throws -> (text: String, conflicts: [MergeConflict]) {
        let merge = DatasetMerge(
            base: try records(ofFile: base), ours: try records(ofFile: ours), theirs: try records(ofFile: theirs),
            markConflicts: true)
        return (merge.lines.map { $0 + "\n" }.joined(), merge.conflicts)
    }

    // MARK: - Records

    /// Byte for byte: Swift's `==` takes canonically equivalent strings for equal.
    static func same(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): a.utf8.elementsEqual(b.utf8)
        default: false
        }
    }

    /// The canonical JSON of a canonical record's id.
    static func idKey(of canonical: String) -> [UInt8] {
        let bytes = Array(canonical.utf8)
        return bytes.withUnsafeBufferPointer { CanonicalMembers.value(of: Array(#""id""#.utf8), in: $0).map { Array($0) } } ?? []
    }

    /// The id whose canonical JSON string is `key`.
    static func idString(_ key: [UInt8]) -> String {
        guard let tape = try? JSONParser.parse(String(decoding: key, as: UTF8.self)), tape.nodes.first?.kind == .string else {
            return String(decoding: key, as: UTF8.self)
        }
        return tape.string(0)
    }

    /// `record` with the field changes applied (a top-level field, or `labels.KEY`).
    static func applying(_ changes: [FieldChange], to record: String) throws -> String {
        var object = try CanonicalObject(parsing: record)
        var labels = try object["labels"].map { try CanonicalObject(parsing: $0) }
        for change in changes {
            if change.path.hasPrefix("labels."), labels != nil {
                labels![String(change.path.dropFirst("labels.".count))] = change.new
            } else {
                object[change.path] = change.new
            }
        }
        if let labels { object["labels"] = labels.text }
        return object.text
    }
}
