/// The line keys (examples' keys in line order) of the last few versions a store read or made.
/// A committed version's line keys never change, so an entry, keyed by the version's row and hash,
/// stays true; only committed versions are put in (`Store.commit` after its COMMIT, and the
/// current version at the start of its transaction). A sync applying one change set after another
/// reads each version's lines once, not twice.
struct LineKeysCache {
    private var entries: [(row: Int, hash: String, keys: [Int64])] = []
    /// Enough for a commit's current version, the one it makes and a side branch's base.
    private let capacity = 3

    func keys(of version: DatasetVersion) -> [Int64]? {
        entries.first { $0.row == version.row && $0.hash == version.hash }?.keys
    }

    mutating func remember(_ keys: [Int64], of version: DatasetVersion) {
        entries.removeAll { $0.row == version.row }
        entries.insert((version.row, version.hash, keys), at: 0)
        if entries.count > capacity { entries.removeLast() }
    }
}
