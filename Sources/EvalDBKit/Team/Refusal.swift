/// Where two copies of the truth meet (the file, the database, git) and evaldb refuses, as git
/// does, rather than lose someone's work. Nothing was written. The CLI words each case
/// (`Sources/EvalDBCLI/Refusals.swift`); `force` in the library's options overrides the first three.
public enum Refusal: Error, Sendable {
    /// Writing a version over `path` would lose what the file holds and no version does: its
    /// dataset is no version's.
    case wouldOverwrite(path: String, LocalChanges)
    /// The file removes more than half of the current examples (an unrelated file, say).
    case wouldRemoveMost(path: String, removed: Int, of: Int)
    /// The file is an older version than the database's current one: importing it would undo
    /// what was made since.
    case staleFile(path: String, fileVersion: Int, current: Int)
    /// The file and the database both changed the same examples since the file's base version.
    case conflicts(path: String, base: Int, current: Int, [MergeConflict])
}

/// What a dataset file holds that no version does, against the version it was compared with
/// (its base, else the version that would be written over it): what writing over it would lose.
public struct LocalChanges: Sendable, Equatable {
    /// The version the file was compared with.
    public var comparedWith: Int
    /// The file is not a valid dataset (then nothing else is known).
    public var fileIsInvalid = false
    /// Ids whose lines the file edited or added (the first 20), and how many.
    public var changedIds: [String] = []
    public var changedCount = 0
    /// Ids the file no longer holds (the first 20), and how many.
    public var deletedIds: [String] = []
    public var deletedCount = 0
    /// The examples both hold stand in another order in the file.
    public var reordered = false

    public init(comparedWith: Int, fileIsInvalid: Bool = false) {
        self.comparedWith = comparedWith
        self.fileIsInvalid = fileIsInvalid
    }

    /// True when the file holds nothing the version does not.
    public var isEmpty: Bool { !fileIsInvalid && changedCount == 0 && deletedCount == 0 && !reordered }
}

/// One example changed both in the file and in the database since their common base version.
public struct MergeConflict: Sendable, Equatable {
    public var id: String
    /// The fields changed on both sides (top-level fields and `labels.KEY`).
    public var fields: [String]
    /// What each side did: "changed" or "removed".
    public var file: String
    public var database: String
}

/// What git cannot answer for a command that needs it.
public enum GitError: Error, Sendable {
    case notARepository(String)
    case noCommits(String)
    case untracked(path: String)
    case gitMissing
}
