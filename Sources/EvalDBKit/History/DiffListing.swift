/// What `diff` prints, read a section at a time: the counts, then the added ids, the removed ids,
/// the changed examples and the suspected renames, each in the order the diff found them. A
/// `DatasetDiff` holds its sections in memory; a `SpilledDiff` (two versions) reads them from disk.
public protocol DiffListing {
    var from: String { get }
    var to: String { get }
    var addedCount: Int { get }
    var removedCount: Int { get }
    var changedCount: Int { get }
    var unchanged: Int { get }
    /// The ids both hold appear in another order.
    var reordered: Bool { get }

    func forEachAdded(_ body: (String) throws -> Void) throws
    func forEachRemoved(_ body: (String) throws -> Void) throws
    func forEachChanged(_ body: (DatasetDiff.Changed) throws -> Void) throws
    /// Removed and added ids whose records are identical apart from the id (also counted in
    /// `removedCount` and `addedCount`).
    func forEachRename(_ body: (DatasetDiff.Rename) throws -> Void) throws
}

extension DiffListing {
    public var isEmpty: Bool { addedCount == 0 && removedCount == 0 && changedCount == 0 && !reordered }
}

extension DatasetDiff: DiffListing {
    public var addedCount: Int { added.count }
    public var removedCount: Int { removed.count }
    public var changedCount: Int { changed.count }

    public func forEachAdded(_ body: (String) throws -> Void) throws { try added.forEach(body) }
    public func forEachRemoved(_ body: (String) throws -> Void) throws { try removed.forEach(body) }
    public func forEachChanged(_ body: (Changed) throws -> Void) throws { try changed.forEach(body) }
    public func forEachRename(_ body: (Rename) throws -> Void) throws { try renames.forEach(body) }

    /// The diff `listing` holds, read into memory.
    init(collecting listing: some DiffListing) throws {
        self.init(from: listing.from, to: listing.to)
        try listing.forEachAdded { added.append($0) }
        try listing.forEachRemoved { removed.append($0) }
        try listing.forEachChanged { changed.append($0) }
        try listing.forEachRename { renames.append($0) }
        reordered = listing.reordered
        unchanged = listing.unchanged
    }
}
