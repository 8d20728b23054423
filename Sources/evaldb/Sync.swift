import ArgumentParser
import EvalDBKit

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the git history of a dataset file as versions.",
        discussion: """
            Each commit that touched PATH (following renames), oldest first, becomes a version with \
            the commit's author, date, subject and id. A rerun imports only commits not yet seen. A \
            commit where the file is invalid or deleted is reported and skipped; it does not stop the \
            replay (the exit status is then 1). A fresh database rebuilt this way has the full history: \
            git is the source of truth.

            Example:
              evaldb sync --git evals/data/v0/golden.jsonl
            """)

    @Option(name: .customLong("git"), help: "The dataset file in a git repository.")
    var path: String

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        var skipped = 0
        let results = try database.open().syncGit(path) { synced in
            let commit = synced.commit
            let head = "\(commit.hash.prefix(10))  \(commit.date)  \(Terminal.sanitized(commit.author))"
            switch synced.outcome {
            case .imported(let version):
                let c = version.counts
                Output.stdout("\(head)  version \(version.number)  \(version.shortHash)  +\(c.added) ~\(c.changed) -\(c.removed)  \(Terminal.sanitized(commit.subject))")
            case .unchanged(let version):
                Output.stdout("\(head)  unchanged (version \(version.number))  \(Terminal.sanitized(commit.subject))")
            case .alreadySynced:
                break
            case .deleted:
                skipped += 1
                Output.stdout("\(head)  skipped: the commit deletes \(Terminal.sanitized(commit.path))")
            case .invalid(let errors):
                skipped += 1
                Output.stdout("\(head)  skipped: \(errors.filter { !$0.isWarning }.count) errors in \(Terminal.sanitized(commit.path))")
                Output.problems(errors)
            }
        }
        let new = results.filter { if case .imported = $0.outcome { true } else { false } }.count
        let seen = results.filter { if case .alreadySynced = $0.outcome { true } else { false } }.count
        Output.stdout("\(results.count) commits: \(new) new versions, \(seen) already synced, \(skipped) skipped")
        if skipped > 0 { throw ExitCode(1) }
    }
}
