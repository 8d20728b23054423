/// A change to the current version, built directly by whoever makes it — a review session, an
/// accepted proposal, a split, a merge, a change set replayed by `sync` — and written as one new
/// version by `Store.commit` (the one write path below the importer: no temporary file, no
/// re-reading of the examples it does not touch).
///
/// The new version's lines are the current version's, in their order, with each put of an
/// existing id in its place, each removed id left out, and each put of an id the current version
/// does not hold appended in the order of `puts` — unless `order` gives every id in line order.
public struct VersionChange: Sendable {
    /// Records (canonical or not: they are checked and made canonical) to add or replace, by id.
    public var puts: [String] = []
    /// Ids to remove.
    public var removals: [String] = []
    /// Every id of the new version, in line order, when it is not the rule above.
    public var order: [String]?
    public var author: String
    public var message: String?
    /// The version's date (ISO 8601 UTC); now when nil.
    public var date: String?
    /// The dataset file the version belongs to, relative to the git top level; the current
    /// version's when nil.
    public var path: String?
    /// The parents' dataset hashes; the current version's alone when nil.
    public var parents: [String]?
    /// Where the puts came from, for the positions of their problems (`FILE:LINE:COL`).
    public var source = "(change)"
    /// The dataset hash the change must give (a change set replayed): anything else is refused.
    var expectedHash: String?
    /// The change is a change set intact as its maker wrote it, applied to the version it was
    /// made on: `expectedHash` is taken without reading the whole new state back to hash it.
    var trustsExpectedHash = false
    /// Write the version to the team log (false when it is replayed from the log or from git).
    var logs = true
    /// Accept an id that was removed coming back with different content.
    public var allowReuse = false
    /// Work out the version and its counts; write nothing (`ImportResult.Outcome.dryRun`).
    public var dryRun = false

    public init(author: String, message: String? = nil) {
        self.author = author
        self.message = message
    }

    public var isEmpty: Bool { puts.isEmpty && removals.isEmpty && order == nil }
}
