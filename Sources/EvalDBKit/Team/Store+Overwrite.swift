import Foundation

extension Store {
    /// Throws `Refusal.wouldOverwrite` when writing `version` over the file at `path` would lose
    /// what it holds: it exists, it is not as evaldb left it (its base, same size and modification
    /// time), and its dataset is no version this database holds — hand edits never imported
    /// (lines edited, added, deleted or reordered), another clone's version not synced yet. The
    /// refusal names what the file changed against its base version, else against `version`.
    public func checkOverwrite(of path: String, with version: DatasetVersion) throws {
        guard path != "-", FileManager.default.fileExists(atPath: path) else { return }
        let base = try base(of: path)
        if let base, base.isUnchanged { return }
        let reference = base?.version ?? version
        let check = try DatasetFileCheck.check(path: path)
        guard check.isValid else {
            throw Refusal.wouldOverwrite(path: path, LocalChanges(comparedWith: reference.number, fileIsInvalid: true))
        }
        if try self.version(hash: check.hash) != nil { return }
        let changes = try localChanges(in: path, against: reference)
        // Not empty: a file with `reference`'s records in its order has its hash.
        if !changes.isEmpty { throw Refusal.wouldOverwrite(path: path, changes) }
    }

    /// What the valid dataset file at `path` changed against `version`: the ids of lines edited
    /// or added, the ids deleted (in `version`'s order), and whether the examples both hold are
    /// in another order.
    func localChanges(in path: String, against version: DatasetVersion) throws -> LocalChanges {
        var held: [[UInt8]: (index: Int, record: String)] = [:]
        for (index, (id, record)) in try recordsInOrder(of: version).enumerated() { held[id] = (index, record) }
        var changes = LocalChanges(comparedWith: version.number)
        var furthest = -1
        let reader = try DatasetReader(path: path)
        try reader.read { record, _ in
            let canonical = String(decoding: record.canonical, as: UTF8.self)
            if let line = held.removeValue(forKey: DatasetMerge.idKey(of: canonical)) {
                if line.index < furthest { changes.reordered = true }
                furthest = max(furthest, line.index)
                if DatasetMerge.same(line.record, canonical) { return }
            }
            changes.changedCount += 1
            if changes.changedIds.count < 20 { changes.changedIds.append(record.idString) }
        }
        let deleted = held.sorted { $0.value.index < $1.value.index }
        changes.deletedCount = deleted.count
        changes.deletedIds = deleted.prefix(20).map { DatasetMerge.idString($0.key) }
        return changes
    }
}
