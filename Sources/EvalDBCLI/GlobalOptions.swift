import Foundation

/// Options given before the command, as git takes them: `evaldb -C DIR --db PATH import …`.
///
/// `-C DIR` runs the command as if started in DIR (several combine, each relative to the last, as
/// in git); `--db PATH` (or `--db=PATH`) is the database for the command, as `$EVALDB_DB` is, a
/// relative path taken from the folder the `-C`s before it lead to. A `--db` after the command
/// still wins. Whatever follows the first other word is the command's own.
enum GlobalOptions {
    struct Problem: Error {
        let message: String
    }

    /// Applies the leading global options (changing the current folder, setting `EVALDB_DB`) and
    /// returns the rest of `arguments`.
    static func apply(_ arguments: [String]) throws -> [String] {
        var rest = arguments[...]
        while let first = rest.first {
            if first == "-C" {
                guard rest.count >= 2 else { throw Problem(message: "-C needs a folder: evaldb -C DIR COMMAND") }
                let folder = rest[rest.index(after: rest.startIndex)]
                guard FileManager.default.changeCurrentDirectoryPath(folder) else {
                    throw Problem(message: "cannot change to \(folder): no such folder")
                }
                rest = rest.dropFirst(2)
            } else if first == "--db" || first.hasPrefix("--db=") {
                let path: String
                if first == "--db" {
                    guard rest.count >= 2 else { throw Problem(message: "--db needs a path: evaldb --db PATH COMMAND") }
                    path = rest[rest.index(after: rest.startIndex)]
                    rest = rest.dropFirst(2)
                } else {
                    path = String(first.dropFirst("--db=".count))
                    rest = rest.dropFirst()
                }
                guard !path.isEmpty else { throw Problem(message: "--db needs a path: evaldb --db PATH COMMAND") }
                let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
                setenv("EVALDB_DB", absolute, 1)
            } else {
                break
            }
        }
        return Array(rest)
    }
}
