import Crypto

/// One side of a `diff`: a dataset version, or a dataset file as it would be imported.
public enum DiffSide: Sendable {
    case version(DatasetVersion)
    case file(String)

    public var name: String {
        switch self {
        case .version(let version): "version \(version.number)"
        case .file(let path): path
        }
    }
}

/// What differs between two datasets, by id: `diff`.
public struct DatasetDiff: Sendable, Codable {
    public struct Changed: Sendable, Codable {
        public var id: String
        /// The fields that differ; with their values only when the diff was asked for them.
        public var changes: [FieldChange]
    }

    public struct Rename: Sendable, Codable {
        public var from: String
        public var to: String
    }

    public var from: String
    public var to: String
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [Changed] = []
    /// Removed and added ids whose records are identical apart from the id (also counted in
    /// `removed` and `added`).
    public var renames: [Rename] = []
    /// The ids both hold appear in another order.
    public var reordered = false
    public var unchanged = 0
}

extension Store {
    /// What differs from `a` to `b`. Ids are compared byte for byte. Without `withValues`, a
    /// changed example's changes name the fields alone (`old` and `new` nil): memory then holds
    /// the ids and paths of the change, not its values.
    public func diff(_ a: DiffSide, _ b: DiffSide, withValues: Bool = true) throws -> DatasetDiff {
        if case .version(let old) = a, case .version(let new) = b {
            return try DatasetDiff(collecting: spilledDiff(versions: old, new, withValues: withValues))
        }
        let old = try digests(of: a)
        let new = try digests(of: b)
        var result = DatasetDiff(from: a.name, to: b.name)
        var needed = Set<String>()
        var commonOldOrder: [Int] = []
        for (id, digest) in new.ordered {
            if let previous = old.byId[id] {
                commonOldOrder.append(previous.position)
                if previous.digest == digest { result.unchanged += 1 } else { needed.insert(id) }
            } else {
                result.added.append(id)
                needed.insert(id)
            }
        }
        result.reordered = zip(commonOldOrder, commonOldOrder.dropFirst()).contains { $0 > $1 }
        for (id, _) in old.ordered where new.byId[id] == nil {
            result.removed.append(id)
            needed.insert(id)
        }
        let oldRecords = try records(of: a, ids: needed)
        let newRecords = try records(of: b, ids: needed)
        for (id, _) in new.ordered where needed.contains(id) && old.byId[id] != nil {
            let changes = FieldChange.between(
                oldRecords[id].map(RecordFields.init(record:)),
                newRecords[id].map(RecordFields.init(record:)))
            result.changed.append(.init(id: id, changes: withValues ? changes : changes.map(\.withoutValues)))
        }
        result.renames = Self.renames(
            removed: result.removed.compactMap { id in oldRecords[id].map { (id, Self.contentKey($0)) } },
            added: result.added.compactMap { id in newRecords[id].map { (id, Self.contentKey($0)) } })
        return result
    }

    /// How many examples `new` adds, changes and removes against `old`, and leaves alone: what
    /// `diff` counts, from the records' digests alone (no record read, no line order).
    func changeCounts(from old: DatasetVersion, to new: DatasetVersion) throws -> ChangeCounts {
        let (low, high) = (min(old.row, new.row), max(old.row, new.row))
        let touched = try database.prepare("SELECT DISTINCT example FROM stored_revisions WHERE version > ? AND version <= ?")
        try touched.bind([.int(Int64(low)), .int(Int64(high))])
        let state = try database.prepare(
            "SELECT sha256 FROM stored_revisions WHERE example = ? AND version <= ? ORDER BY version DESC, rev DESC LIMIT 1")
        func digest(_ key: Int64, at version: Int) throws -> [UInt8]? {
            try state.bind([.int(key), .int(Int64(version))])
            defer { state.reset() }
            guard try state.step(), !state.isNull(0) else { return nil }
            return state.blob(0)
        }
        var counts = ChangeCounts()
        while try touched.step() {
            let key = touched.int(0)
            switch (try digest(key, at: old.row), try digest(key, at: new.row)) {
            case (nil, nil): continue
            case (nil, _?): counts.added += 1
            case (_?, nil): counts.removed += 1
            case (let before?, let after?): if before != after { counts.changed += 1 }
            }
        }
        counts.unchanged = new.exampleCount - counts.added - counts.changed
        return counts
    }

    /// What differs from `a` to `b`, its sections read one at a time: two versions give a
    /// `SpilledDiff` (memory does not grow with the change), a file side a `DatasetDiff`.
    public func diffListing(_ a: DiffSide, _ b: DiffSide, withValues: Bool = true) throws -> any DiffListing {
        if case .version(let old) = a, case .version(let new) = b {
            return try spilledDiff(versions: old, new, withValues: withValues)
        }
        return try diff(a, b, withValues: withValues)
    }

    /// Two versions: only the examples with a revision between them can differ. Each is written
    /// to the `SpilledDiff` as it is met, in key order.
    func spilledDiff(versions old: DatasetVersion, _ new: DatasetVersion, withValues: Bool) throws -> SpilledDiff {
        // Each page is read about once: a small page cache (and so a small sort of the touched
        // examples before it goes to disk).
        try database.scanning {
            let result = try SpilledDiff(database: database, from: DiffSide.version(old).name, to: DiffSide.version(new).name)
            let (low, high) = (min(old.row, new.row), max(old.row, new.row))
            let touched = try database.prepare(
                """
                SELECT DISTINCT r.example, e.id FROM stored_revisions r JOIN stored_examples e ON e.key = r.example
                WHERE r.version > ? AND r.version <= ? ORDER BY r.example
                """)
            try touched.bind([.int(Int64(low)), .int(Int64(high))])
            let state = try database.prepare(StorageModel.recordAtVersion)
            func record(_ key: Int64, at version: Int) throws -> (record: String, digest: [UInt8])? {
                try state.bind([.int(key), .int(Int64(version))])
                defer { state.reset() }
                guard try state.step(), !state.isNull(0) else { return nil }
                return (state.text(0), state.blob(1))
            }
            var addedKeys = BitSet(), removedKeys = BitSet()
            while try touched.step() {
                let key = touched.int(0)
                let before = try record(key, at: old.row), after = try record(key, at: new.row)
                switch (before, after) {
                case (nil, nil):
                    continue
                case (nil, let after?):
                    // Kept as the digest of their content without the id (for renames), not whole.
                    try result.add(added: touched.text(1), content: Self.contentKey(after.record))
                    addedKeys.insert(key)
                case (let before?, nil):
                    try result.add(removed: touched.text(1), content: Self.contentKey(before.record))
                    removedKeys.insert(key)
                case (let before?, let after?):
                    guard before.digest != after.digest else { continue }
                    let changes = FieldChange.between(RecordFields(record: before.record), RecordFields(record: after.record))
                    try result.add(changed: .init(id: touched.text(1), changes: withValues ? changes : changes.map(\.withoutValues)))
                }
            }
            result.unchanged = new.exampleCount - result.addedCount - result.changedCount
            result.reordered = try reordered(old, new, leaving: removedKeys, entering: addedKeys)
            return result
        }
    }

    /// Whether the examples both versions hold come in another order in one than in the other:
    /// their recorded line orders read a chunk at a time (`LineOrderCursor`), each less the keys
    /// the other version does not hold (`leaving` the old one, `entering` the new one).
    private func reordered(_ old: DatasetVersion, _ new: DatasetVersion, leaving: BitSet, entering: BitSet) throws -> Bool {
        let oldKeys = try LineOrderCursor(database, version: old.row, chunkKeys: lineOrderChunkKeys)
        let newKeys = try LineOrderCursor(database, version: new.row, chunkKeys: lineOrderChunkKeys)
        switch (oldKeys, newKeys) {
        case (nil, nil):
            return false  // both in ascending key order
        case (.some(var keys), nil), (nil, .some(var keys)):
            // The other side ascends: this one is reordered when its common keys do not.
            let skipping = oldKeys == nil ? entering : leaving
            var last = Int64.min
            while let key = try next(&keys, skipping: skipping) {
                if key < last { return true }
                last = key
            }
            return false
        case (.some(var a), .some(var b)):
            while true {
                let keyA = try next(&a, skipping: leaving), keyB = try next(&b, skipping: entering)
                if keyA != keyB { return true }
                if keyA == nil { return false }
            }
        }
    }

    /// The next key of `keys` that `skipping` does not hold; nil after the last.
    private func next(_ keys: inout LineOrderCursor, skipping: BitSet) throws -> Int64? {
        while let key = try keys.next() {
            if !skipping.contains(key) { return key }
        }
        return nil
    }

    /// The SHA-256 of a record's canonical JSON without its `id`: equal for records identical apart
    /// from the id.
    static func contentKey(_ record: String) -> [UInt8] { Array(SHA256.hash(data: contentWithoutId(record))) }

    /// Removed and added examples whose records are identical apart from the id (by `contentKey`).
    static func renames(removed: [(id: String, content: [UInt8])], added: [(id: String, content: [UInt8])]) -> [DatasetDiff.Rename] {
        var addedByContent: [[UInt8]: [String]] = [:]
        for (id, content) in added { addedByContent[content, default: []].append(id) }
        var result: [DatasetDiff.Rename] = []
        for (id, content) in removed {
            guard var candidates = addedByContent[content], !candidates.isEmpty else { continue }
            result.append(.init(from: id, to: candidates.removeFirst()))
            addedByContent[content] = candidates
        }
        return result
    }

    private struct SideDigests {
        var ordered: [(id: String, digest: [UInt8])] = []
        var byId: [String: (digest: [UInt8], position: Int)] = [:]
    }

    /// Each record's id and SHA-256, in line order.
    private func digests(of side: DiffSide) throws -> SideDigests {
        var result = SideDigests()
        try forEachIdAndRecord(of: side) { id, record in
            let digest = Array(SHA256.hash(data: Array(record.utf8)))
            result.byId[id] = (digest, result.ordered.count)
            result.ordered.append((id, digest))
        }
        return result
    }

    /// The canonical records of the ids in `ids`.
    private func records(of side: DiffSide, ids: Set<String>) throws -> [String: String] {
        var result: [String: String] = [:]
        guard !ids.isEmpty else { return result }
        if case .version(let version) = side {  // by id, through the indexes: no second pass over the version
            let key = try database.prepare("SELECT key FROM stored_examples WHERE id = ?")
            let record = try database.prepare(StorageModel.recordAtVersion)
            for id in ids {
                try key.bind([.text(id)])
                if try key.step() {
                    try record.bind([.int(key.int(0)), .int(Int64(version.row))])
                    if try record.step(), let text = record.optionalText(0) { result[id] = text }
                    record.reset()
                }
                key.reset()
            }
            return result
        }
        try forEachIdAndRecord(of: side) { id, record in
            if ids.contains(id) { result[id] = record }
        }
        return result
    }

    private func forEachIdAndRecord(of side: DiffSide, _ body: (String, String) throws -> Void) throws {
        switch side {
        case .version(let version):
            try forEachRecord(of: version) { line in
                let record = String(decoding: line, as: UTF8.self)
                let tape = try? JSONParser.parse(record)
                try body(tape.flatMap { $0.member(0, "id") }.map { tape!.string($0) } ?? "", record)
            }
        case .file(let path):
            let reader = try DatasetReader(path: path)
            var failure: EvalDBError?
            try reader.read { record, _ in
                try body(record.idString, String(decoding: record.canonical, as: UTF8.self))
            }
            if reader.hasErrors { failure = .invalidData(errors: reader.problems, truncated: reader.stoppedEarly) }
            if let failure { throw failure }
        }
    }

    /// A record's canonical JSON without its `id`, to spot renames.
    static func contentWithoutId(_ record: String) -> [UInt8] {
        guard let tape = try? JSONParser.parse(record) else { return Array(record.utf8) }
        var bytes: [UInt8] = []
        CanonicalJSON.write(tape, object: 0, excluding: "id", to: &bytes)
        return bytes
    }
}
