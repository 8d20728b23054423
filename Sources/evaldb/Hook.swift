import ArgumentParser
import EvalDBKit
import Foundation

struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install a git pre-commit hook that keeps dataset files canonical.",
        subcommands: [Install.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the pre-commit hook: staged dataset files must pass `evaldb validate --canonical`.",
            discussion: """
                The hook checks the staged content of the files matching PATTERN (a git pathspec glob) \
                and refuses the commit, naming FILE:LINE, when one is invalid or not canonical. It \
                refuses to overwrite a different existing pre-commit hook.

                Example:
                  evaldb hook install
                """)

        @Option(help: "Which staged files to check (a git pathspec glob).")
        var pattern = "evals/data/**/*.jsonl"

        func run() throws {
            guard let hooks = Git.hooksFolder() else {
                throw EvalDBError.usage("not inside a git repository: run `evaldb hook install` in your project's repository")
            }
            let path = hooks + "/pre-commit"
            let script = PreCommitHook.script(evaldb: PreCommitHook.currentExecutable(), pattern: pattern)
            if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
                if existing == script {
                    Output.stdout("the pre-commit hook is already installed: \(path)")
                    try installMergeDriver()
                    return
                }
                // evaldb's own hook, written by another evaldb (another path, another pattern): rewritten.
                if existing.contains(PreCommitHook.marker) {
                    try script.write(toFile: path, atomically: true, encoding: .utf8)
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
                    Output.stdout("the pre-commit hook is already installed: \(path) (now runs \(PreCommitHook.currentExecutable()))")
                    try installMergeDriver()
                    return
                }
                throw EvalDBError.usage(
                    "\(path) exists and is not evaldb's: add `evaldb validate --canonical` to it by hand, or move it away and rerun")
            }
            try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            Output.stdout("installed \(path): commits of \(pattern) must be valid and canonical")
            try installMergeDriver()
        }

        /// Makes evaldb git's merge driver for the dataset files: the driver in this clone's git
        /// config, the files it applies to in the top-level `.gitattributes` (committed, so that every
        /// clone that installs the hook merges the same way; a clone without the driver falls back
        /// to git's line merge).
        private func installMergeDriver() throws {
            guard let repository = Repository.enclosing() else { return }
            let driver = "\(PreCommitHook.currentExecutable()) merge-file %O %A %B"
            _ = Git.run(["config", "merge.evaldb.name", "evaldb: merge JSONL datasets by example id"], in: repository.top)
            guard Git.run(["config", "merge.evaldb.driver", driver], in: repository.top) != nil else {
                throw EvalDBError.cannotWrite(path: repository.top + "/.git/config", reason: "git config failed")
            }
            let attributes = repository.top + "/.gitattributes"
            let line = "\(pattern) merge=evaldb"
            let existing = (try? String(contentsOfFile: attributes, encoding: .utf8)) ?? ""
            if !existing.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces) == line }) {
                let text = existing + (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n") + line + "\n"
                try text.write(toFile: attributes, atomically: true, encoding: .utf8)
            }
            Output.stdout("merge driver: git merges \(pattern) by example id (`evaldb merge-file`); commit .gitattributes")
        }
    }
}

enum PreCommitHook {
    /// The line that tells evaldb's hook from another one.
    static let marker = "# Installed by `evaldb hook install`"

    static func script(evaldb: String, pattern: String) -> String {
        """
        #!/bin/sh
        # Installed by `evaldb hook install`: staged dataset files must be valid and canonical, so
        # that every commit's dataset hash is the sha256sum of the committed file.
        EVALDB="${EVALDB:-\(evaldb)}"
        command -v "$EVALDB" >/dev/null 2>&1 || EVALDB=evaldb
        messages=$(mktemp)
        trap 'rm -f "$messages"' EXIT
        status=0
        for file in $(git diff --cached --name-only --diff-filter=ACMR -- ':(glob)\(pattern)'); do
            if ! git show ":$file" | "$EVALDB" validate --canonical - >/dev/null 2>"$messages"; then
                sed "s|^<stdin>|$file|" "$messages" >&2
                status=1
            fi
        done
        if [ $status != 0 ]; then
            echo "evaldb: commit refused; \\`evaldb export -o FILE\\` writes a dataset in canonical form" >&2
        fi
        exit $status

        """
    }

    /// The path of the running evaldb, so that the hook finds it even when it is not on PATH.
    static func currentExecutable() -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
