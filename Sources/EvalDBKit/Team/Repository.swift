import Foundation

/// The git work tree evaldb works in: where the team's files live (`evals/log/`) and what stored
/// paths are relative to, so that every command gives the same answer from any of its folders.
public struct Repository: Sendable, Equatable {
    /// The work tree's top folder, absolute.
    public let top: String

    public init(top: String) {
        self.top = Self.standardized(top)
    }

    /// The work tree that holds `directory` (found by its `.git`, as git does), or nil outside one.
    /// Every command asks it at start, so it works on the path's text and `stat`s, not URLs.
    public static func enclosing(_ directory: String = FileManager.default.currentDirectoryPath) -> Repository? {
        var folder = standardized(directory)
        while true {
            var status = stat()
            if stat(folder == "/" ? "/.git" : folder + "/.git", &status) == 0 { return Repository(top: folder) }
            guard folder != "/", let slash = folder.lastIndex(of: "/") else { return nil }
            folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
        }
    }

    /// `path` made absolute (from the current folder when relative) without `.` and `..`
    /// components, repeated or trailing slashes; symbolic links are not resolved. What
    /// `URL(fileURLWithPath:).standardizedFileURL.path` gives.
    public static func standardized(_ path: String, from directory: String = FileManager.default.currentDirectoryPath) -> String {
        var components: [Substring] = []
        let absolute = path.hasPrefix("/") ? path : directory + "/" + path
        for component in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
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
