import ArgumentParser
import EvalDBKit
import Foundation

struct MergeFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-file",
        abstract: "Merge two versions of a dataset file by example id: git's merge driver for JSONL datasets.",
        discussion: """
            Like `git merge-file`: the changes THEIRS made to BASE are merged into OURS, which is \
            rewritten with the result in canonical form. Examples changed on one side take that side's \
            record; an example changed on both sides is merged field by field (each top-level field \
            and each label). Two reviewers who edit neighbouring lines — a conflict for git's line \
            merge — merge cleanly. The same field changed differently on both sides is a conflict: \
            the example stands between git's conflict markers, the conflicts are listed, and the exit \
            status is 1. Any other failure (a side that is not a valid dataset, a file that cannot be \
            written) leaves OURS as it was and exits 2, so that the driver `evaldb hook install` writes \
            falls back to `git merge-file`, which marks conflicting lines. `evaldb hook install` makes \
            evaldb git's merge driver for dataset files.

            Example:
              evaldb merge-file base.jsonl ours.jsonl theirs.jsonl
              evaldb hook install  # git's merge driver: this evaldb, else `git merge-file`
            """)

    @Argument(help: "The common ancestor's file (git's %O).")
    var base: String

    @Argument(help: "Our file, rewritten with the result (git's %A).")
    var ours: String

    @Argument(help: "Their file (git's %B).")
    var theirs: String

    func run() throws {
        let merged: (text: String, conflicts: [MergeConflict])
        do {
            merged = try DatasetMerge.mergeFiles(base: base, ours: ours, theirs: theirs)
            try write(merged.text)
        } catch {
            // Exit 1 would tell git that OURS holds the conflicts; it holds none.
            _ = Output.report(error)
            throw ExitCode(2)
        }
        let conflicts = merged.conflicts
        guard !conflicts.isEmpty else { return }
        for conflict in conflicts {
            let fields = conflict.fields.isEmpty ? "" : " (\(conflict.fields.joined(separator: ", ")))"
            Output.stderr("CONFLICT (content): \(Terminal.sanitized(conflict.id)): \(conflict.database) in ours, \(conflict.file) in theirs\(fields)")
        }
        throw ExitCode(1)
    }

    /// Replaces OURS with `text`: a temporary file beside it, renamed over it.
    private func write(_ text: String) throws {
        let temporary = ours + ".evaldb-merge-\(getpid())"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, ours) == 0 else { throw EvalDBError.cannotWrite(path: ours, reason: String(cString: strerror(errno))) }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
