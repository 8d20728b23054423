import ArgumentParser
import EvalDBKit
import Foundation

struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Install a git pre-commit hook that keeps dataset files canonical.",
        subcommands: [Install.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install",
            abstract: "Write the pre-commit hook: staged dataset files must pass `evaldb validate --canonical`.",
            discussion: """
                The hook checks the staged content of the files matching PATTERN (a git pathspec glob) \
                and refuses the commit, naming FILE:LINE, when one is invalid or not canonical. It \
                refuses to overwrite a different existing pre-commit hook. It also makes evaldb git's \
                merge driver for those files (`evaldb merge-file`, with `git merge-file` and its \
                conflict markers when evaldb cannot be run at merge time). Both name this evaldb by \
                its absolute path: run it again after moving evaldb.

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
            let evaldb = RunningExecutable.path()
            let script = PreCommitHook.script(evaldb: evaldb, pattern: pattern)
            if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
                if existing == script {
                    Output.stdout("the pre-commit hook is already installed: \(path)")
                    try installMergeDriver(evaldb: evaldb)
                    return
                }
                // evaldb's own hook, written by another evaldb (another path, another pattern): rewritten.
                if existing.contains(PreCommitHook.marker) {
                    try script.write(toFile: path, atomically: true, encoding: .utf8)
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
                    Output.stdout("the pre-commit hook is already installed: \(path) (now runs \(evaldb))")
                    try installMergeDriver(evaldb: evaldb)
                    return
                }
                throw EvalDBError.usage(
                    "\(path) exists and is not evaldb's: add `evaldb validate --canonical` to it by hand, or move it away and rerun")
            }
            try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            Output.stdout("installed \(path): commits of \(pattern) must be valid and canonical")
            try installMergeDriver(evaldb: evaldb)
        }

        /// Makes evaldb git's merge driver for the dataset files: the driver in this clone's git
        /// config (`MergeDriver.command`: this evaldb, else git's line merge), the files it applies
        /// to in the top-level `.gitattributes` (committed, so that every clone that installs the
        /// hook merges the same way; a clone without the driver falls back to git's line merge).
        private func installMergeDriver(evaldb: String) throws {
            guard let repository = Repository.enclosing() else { return }
            let driver = MergeDriver.command(evaldb: evaldb)
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
        if [ -z "${EVALDB:-}" ]; then EVALDB=\(Shell.quoted(evaldb)); fi
        command -v "$EVALDB" >/dev/null 2>&1 || EVALDB=evaldb
        messages=$(mktemp)
        trap 'rm -f "$messages"' EXIT
        status=0
        for file in $(git diff --cached --name-only --diff-filter=ACMR -- ':(glob)\(pattern)'); do
            if ! git show ":$file" | "$EVALDB" validate --canonical - >/dev/null 2>"$messages"; then
                sed "s|<stdin>|$file|g" "$messages" >&2
                status=1
            fi
        done
        if [ $status != 0 ]; then
            echo "evaldb: commit refused; \\`evaldb export -o FILE\\` writes a dataset in canonical form" >&2
        fi
        exit $status

        """
    }
}

/// git's merge driver for dataset files, as `merge.evaldb.driver` holds it. git runs it through
/// the shell: `evaldb merge-file` merges by example id (exit 0, or 1 with conflict markers
/// written); when evaldb cannot be run (moved, uninstalled: the shell's 127) or fails (exit status
/// above 1, the file left as it was), git's own line merge runs instead and writes its conflict
/// markers. Never is "ours" left alone as if it were the merge.
enum MergeDriver {
    static func command(evaldb: String) -> String {
        "\(Shell.quoted(evaldb)) merge-file %O %A %B; s=$?; if [ $s -gt 1 ]; then "
            + "echo \"evaldb merge-file could not merge (exit status $s): git merge-file merges the lines instead\" >&2; "
            + "git merge-file -L ours -L base -L theirs %A %O %B; else exit $s; fi"
    }
}

enum Shell {
    /// `text` as one word for sh: between single quotes, each of its own single quotes as `'\''`.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

/// Where the running evaldb is, for what git runs later (the pre-commit hook, the merge driver).
enum RunningExecutable {
    /// The process's own executable (Linux: `/proc/self/exe`), else its first argument as a shell
    /// found it: with a slash, against the current folder; a bare name, on PATH — never in the
    /// current folder, where the shell did not look. A bare name found nowhere stays bare (the
    /// shell git starts searches PATH for it then).
    static func path() -> String {
        #if os(Linux)
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
                path.hasPrefix("/"), FileManager.default.isExecutableFile(atPath: path)
            {
                return path
            }
        #else
            if let path = Bundle.main.executablePath, path.hasPrefix("/"), FileManager.default.isExecutableFile(atPath: path) {
                return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            }
        #endif
        return path(
            argument: CommandLine.arguments[0], searchPath: ProcessInfo.processInfo.environment["PATH"],
            currentFolder: FileManager.default.currentDirectoryPath)
    }

    /// `argument` (a process's first argument) as the file a shell ran: with a slash, against
    /// `currentFolder`; without one, the first executable file of that name in an absolute folder
    /// of `searchPath`; else the name itself.
    static func path(argument: String, searchPath: String?, currentFolder: String) -> String {
        if argument.contains("/") {
            return URL(fileURLWithPath: argument, relativeTo: URL(fileURLWithPath: currentFolder, isDirectory: true)).standardizedFileURL.path
        }
        for folder in (searchPath ?? "").split(separator: ":", omittingEmptySubsequences: true) where folder.hasPrefix("/") {
            let candidate = URL(fileURLWithPath: String(folder), isDirectory: true).appendingPathComponent(argument).standardizedFileURL.path
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return argument
    }
}
