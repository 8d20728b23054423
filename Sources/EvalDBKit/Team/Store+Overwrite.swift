import Foundation

extension Store {
    /// Throws `Refusal.wouldOverwrite` when the file at `path` holds lines that writing `version`
    /// over it would lose: it exists and its dataset is no version this database holds (hand edits
    /// never imported, another clone's version not synced yet). The refusal names the ids whose
    /// lines differ from `version`'s. A file as evaldb left it is settled by one stat.
    public func checkOverwrite(of path: String, with version: DatasetVersion) throws {
        guard path != "-", FileManager.default.fileExists(atPath: path) else { return }
        if let base = try base(of: path), base.isUnchanged { return }
        let check = try DatasetFileCheck.check(path: path)
        guard check.isValid else {
            throw Refusal.wouldOverwrite(path: path, lostIds: [], lostCount: 0, fileIsInvalid: true)
        }
        if try versions().contains(where: { $0.hash == check.hash }) { return }
        let target = try recordsById(of: version)
        var lost: [String] = []
        var lostCount = 0
        let reader = try DatasetReader(path: path)
        try reader.read { record, _ in
            let canonical = String(decoding: record.canonical, as: UTF8.self)
            if !DatasetMerge.same(target[DatasetMerge.idKey(of: canonical)], canonical) {
                lostCount += 1
                if lost.count < 20 { lost.append(record.idString) }
            }
        }
        // A file whose every line is in `version` as it is (a truncated one, say) loses nothing.
        if lostCount > 0 { throw Refusal.wouldOverwrite(path: path, lostIds: lost, lostCount: lostCount, fileIsInvalid: false) }
    }
}
