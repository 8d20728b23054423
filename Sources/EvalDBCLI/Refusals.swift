import EvalDBKit

/// Words for the library's refusals and git's missing answers: git's own words where git has an
/// idea for it, and the command that resolves it.
enum Refusals {
    static func message(_ refusal: Refusal) -> String {
        switch refusal {
        case .wouldOverwrite(let path, let changes):
            if changes.fileIsInvalid {
                return
                    "your local changes to \(path) would be overwritten: it is not a valid dataset (`evaldb validate \(path)`); fix or import it first, or use --force"
            }
            var what: [String] = []
            if changes.changedCount > 0 {
                what.append("\(examples(changes.changedCount)) edited or added (\(list(changes.changedIds, of: changes.changedCount)))")
            }
            if changes.deletedCount > 0 {
                what.append("\(examples(changes.deletedCount)) deleted (\(list(changes.deletedIds, of: changes.deletedCount)))")
            }
            if changes.reordered { what.append("lines reordered") }
            return
                "your local changes to \(path) would be overwritten: \(what.joined(separator: ", ")), compared with version \(changes.comparedWith); `evaldb import \(path)` records them first, or use --force"
        case .wouldRemoveMost(let path, let removed, let total):
            return
                "\(path) removes \(removed) of the \(total) current examples: is it the right file? `evaldb diff \(path)` shows what would change; --force imports it"
        case .staleFile(let path, let fileVersion, let current):
            return
                "not a fast-forward: the database is at version \(current); \(path) is version \(fileVersion). `evaldb export -o \(path)` brings it up to date (--force imports it as it is, undoing the versions since)"
        case .conflicts(let path, let base, let current, let conflicts):
            var lines = [
                "CONFLICT (content): \(conflicts.count) example\(conflicts.count == 1 ? "" : "s") changed in \(path) and in the database since version \(base) (the database is at version \(current)); nothing was written:"
            ]
            for conflict in conflicts.prefix(20) {
                let fields = conflict.fields.isEmpty ? "" : " (\(conflict.fields.joined(separator: ", ")))"
                lines.append("  \(Terminal.sanitized(conflict.id)): \(conflict.file) in the file, \(conflict.database) in the database\(fields)")
            }
            if conflicts.count > 20 { lines.append("  ... and \(conflicts.count - 20) more") }
            lines.append(
                "resolve: `evaldb export -o \(path).theirs` writes version \(current); bring its changes into \(path) by hand, then `evaldb import --force \(path)`"
            )
            return lines.joined(separator: "\n")
        }
    }

    /// "1 example", "3 examples".
    private static func examples(_ count: Int) -> String { "\(count) example\(count == 1 ? "" : "s")" }

    /// The first ten of `ids`, and "..." when there are more of `count`.
    private static func list(_ ids: [String], of count: Int) -> String {
        let shown = ids.prefix(10)
        return shown.map(Terminal.sanitized).joined(separator: ", ") + (count > shown.count ? ", ..." : "")
    }

    static func message(_ error: GitError) -> String {
        switch error {
        case .notARepository(let path): return "not inside a git repository (\(path)): evaldb keeps team state in git; run `git init` first"
        case .noCommits(let top): return "the git repository \(top) has no commits yet: commit the dataset file first"
        case .untracked(let path): return "\(path) is not tracked by git (no commit holds it): `git add \(path) && git commit` first"
        case .gitMissing: return "git is not installed (or not on PATH)"
        }
    }
}
