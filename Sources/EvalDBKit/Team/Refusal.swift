/// Where two copies of the truth meet (the file, the database, git) and evaldb refuses, as git
/// does, rather than lose someone's work. Nothing was written. The CLI words each case
/// (`Sources/evaldb/Refusals.swift`); `force` in the library's options overrides the first three.
public enum Refusal: Error, Sendable {
    /// Writing a version over `path` would lose lines that no version holds.
    case wouldOverwrite(path: String, lostIds: [String], lostCount: Int, fileIsInvalid: Bool)
    /// The file removes more than half of the current examples (an unrelated file, say).
    case wouldRemoveMost(path: String, removed: Int, of: Int)
    /// The file is an older version than the database's current one: importing it would undo
    /// what was made since.
    case staleFile(path: String, fileVersion: Int, current: Int)
    /// The file and the database both changed the same examples since the file's base version.
    case conflicts(path: String, base: Int, current: Int, [MergeConflict])
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
