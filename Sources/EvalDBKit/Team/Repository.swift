import Foundation

/// The git work tree evaldb works in: where the team's files live (`evals/log/`) and what stored
/// paths are relative to, so that every command gives the same answer from any of its folders.
public struct Repository: Sendable, Equatable {
    /// The work tree's top folder, absolute.
    public let top: String

    public init(top: String) {
        self.top = URL(fileURLWithPath: top).standardizedFileURL.path
    }

    /// The work tree that holds `directory` (found by its `.git`, as git does), or nil outside one.
    public static func enclosing(_ directory: String = FileManager.default.currentDirectoryPath) -> Repository? {
        var folder = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) {
                return Repository(top: folder.path)
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    /// The folder of the team's logs: `evals/log`.
    public var logFolder: String { top + "/" + Self.logFolderName }
    public static let logFolderName = "evals/log"

    /// `path` (absolute, or relative to the current folder) as evaldb stores it: relative to the
    /// top when it is inside the work tree, else absolute. `-` stays `-`.
    public func stored(_ path: String, from directory: String = FileManager.default.currentDirectoryPath) -> String {
        guard path != "-" else { return path }
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
            .standardizedFileURL.path
        if absolute == top { return "." }
        if absolute.hasPrefix(top + "/") { return String(absolute.dropFirst(top.count + 1)) }
        return absolute
    }

    /// A stored path as a path to open: relative ones are taken from the top.
    public func absolute(_ stored: String) -> String {
        if stored == "-" || stored.hasPrefix("/") { return stored }
        return top + "/" + stored
    }
}
