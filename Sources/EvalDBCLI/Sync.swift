import ArgumentParser
import EvalDBKit
import Foundation

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Make the database equal to what git and the working tree hold.",
        discussion: """
            Without --git: the whole repository (docs/teams.md). The team log in evals/log/ (the \
            versions' records and change sets, read marks, failure categories, verdicts, proposals and \
            decisions of every clone), the dataset of every commit a ref reaches (HEAD, branches, \
            tags, remote branches; merged or not), the versions the log records that no commit holds, \
            the dataset files of the working tree (merged with the database as `import` does), and \
            every run's file in evals/log/runs/. Idempotent and incremental: a second sync with \
            nothing new reads nothing but a few stats. Deleting .evaldb/ and running `evaldb sync` \
            gives back the same answers. Exit 1 naming what it could not place.

            With --git PATH: only that dataset file's history (following renames), then the version \
            HEAD holds made current. A commit whose dataset is a version here is recorded on it; \
            one with a new dataset becomes a version, with the author, date and message the version \
            graph's rule gives (docs/teams.md). A commit where the file is invalid is reported and \
            skipped (exit 1).

            Examples:
              evaldb sync
              evaldb sync --git evals/data/v0/golden.jsonl
            """)

    @Option(name: .customLong("git"), help: "Only the history of this dataset file.")
    var path: String?

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        if path == nil, database.repository == nil {
            throw GitError.notARepository(FileManager.default.currentDirectoryPath)  // before a database is made
        }
        let fresh = !FileManager.default.fileExists(atPath: database.path)
        var skipped = 0
        func show(_ path: String?, _ synced: SyncedCommit) {
            let commit = synced.commit
            let head = "\(commit.hash.prefix(10))  \(commit.date)  \(Terminal.sanitized(commit.author))"
            switch synced.outcome {
            case .imported(let version):
                let c = version.counts
                Output.stdout(
                    "\(head)  version \(version.number)  \(version.shortHash)  +\(c.added) ~\(c.changed) -\(c.removed)  \(Terminal.sanitized(commit.subject))"
                )
            case .recorded(let version):
                Output.stdout("\(head)  recorded on version \(version.number) (same dataset)  \(Terminal.sanitized(commit.subject))")
            case .deleted:
                skipped += 1
                Output.stdout("\(head)  skipped: the commit deletes \(Terminal.sanitized(commit.path))")
            case .invalid(let errors):
                skipped += 1
                Output.stdout("\(head)  skipped: \(errors.filter { !$0.isWarning }.count) errors in \(Terminal.sanitized(commit.path))")
                Output.problems(errors)
            }
        }
        if let path {
            let results = try database.open().syncGit(path) { show(nil, $0) }
            summarize(results)
            if skipped > 0 { throw ExitCode(1) }
            return
        }
        // A fresh clone's first sync builds its database aside and links it into place (its data
        // written once, not twice through the WAL).
        let report: SyncReport
        if fresh,
            let built = try Store.building(at: database.path, repository: database.repository, { try $0.sync(author: defaultUser) { show($0, $1) } })
        {
            report = built.1
        } else {
            report = try database.open().sync(author: defaultUser) { show($0, $1) }
        }
        Output.problems(
            report.problems.map {
                var warning = $0; warning.isWarning = true; return warning
            })
        for (path, commits) in report.datasets {
            Output.stdout("\(Terminal.sanitized(path)): ", terminator: "")
            summarize(commits)
        }
        for (path, outcome) in report.workingTree {
            let name = Terminal.sanitized(path)
            switch outcome {
            case .inSync(let version): Output.stdout("\(name): working tree holds version \(version.number)")
            case .behind(let file, let current):
                Output.stdout(
                    "\(name): working tree holds version \(file.number), behind the current version \(current.number) made here (`evaldb export -o \(name)` writes it)"
                )
            case .imported(let merged):
                let version = merged.result.version
                Output.stdout("\(name): working tree changes imported as version \(version.number)  \(version.shortHash)")
            case .invalid(let errors):
                // Named as the other lines name it (from the top), not as the path evaldb opened.
                Output.problems(
                    errors.map {
                        var error = $0; error.file = path; return error
                    })
                Output.stdout("\(name): working tree file is invalid; not imported")
            case .refused(let refusal):
                Output.stdout("\(name): working tree file not imported: \(Refusals.message(refusal))")
            case .missing: Output.stdout("\(name): not in the working tree")
            }
        }
        if !report.lostVersions.isEmpty {
            Output.stdout(
                "\(report.lostVersions.count) version\(report.lostVersions.count == 1 ? "" : "s") recorded by an evaldb from before change sets, which no commit holds, cannot be rebuilt: \(report.lostVersions.map { String($0.prefix(19)) }.joined(separator: ", "))"
            )
        }
        for (hash, reason) in report.unplacedVersions {
            Output.stdout("version \(hash.prefix(19)) of the team log: not placed: \(Terminal.sanitized(reason))")
        }
        let recorded = report.runs.filter { if case .recorded = $0.outcome { true } else { false } }.count
        for run in report.runs {
            if case .skipped(let why) = run.outcome {
                Output.stdout("run \(Terminal.sanitized(run.name)) (\(Terminal.sanitized(run.path))): skipped: \(why)")
            }
        }
        Output.stdout(
            "runs: \(recorded) recorded of \(report.runs.count) new run file\(report.runs.count == 1 ? "" : "s"); events: \(report.eventsApplied) applied, \(report.eventsWaiting) waiting"
        )
        if report.eventsWaiting > 0 {
            Output.stdout(
                "\(report.eventsWaiting) event\(report.eventsWaiting == 1 ? "" : "s") refer to examples or runs that neither git nor the team log holds (not committed, or not pushed?): the next sync tries again"
            )
        }
        if !report.isComplete || skipped > 0 { throw ExitCode(1) }
    }

    private func summarize(_ results: [SyncedCommit]) {
        let new = results.filter { if case .imported = $0.outcome { true } else { false } }.count
        let recorded = results.filter { if case .recorded = $0.outcome { true } else { false } }.count
        let skipped = results.count - new - recorded
        Output.stdout(
            "\(results.count) commit\(results.count == 1 ? "" : "s"): \(new) new versions, \(recorded) recorded on existing versions, \(skipped) skipped"
        )
    }
}
