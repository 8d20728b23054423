import ArgumentParser
import EvalDBKit
import Foundation

/// The root command; `evaldb` and `evaldb-serve` (Sources/evaldb, Sources/evaldb-serve) run it.
package struct EvalDB: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "evaldb",
        abstract: "Keep an LLM eval dataset: one JSONL file in git, its history and hashes in SQLite.",
        discussion: """
            Exit status: 0 success; 1 the answer is no (invalid data, out of sync, a regression); 2 other \
            errors; 3 a gate that cannot tell (inconclusive).

            evaldb --version (or evaldb version) prints evaldb's own version; after a command, --version \
            names a dataset version.

            Before the command, as in git: -C DIR runs it as if started in DIR; --db PATH is its database \
            (as $EVALDB_DB is; a --db after the command wins).

            Examples:
              evaldb import evals/data/v0/golden.jsonl --message "first labelling session"
              evaldb export -o evals/data/v0/golden.jsonl
              evaldb versions
              evaldb compare baseline candidate --budget 2
            """,
        subcommands: [
            Validate.self, Import.self, Export.self, Hash.self, Versions.self, Status.self, Verify.self,
            Sync.self, MergeFile.self, Log.self, BlameCommand.self, Show.self, Diff.self, Hook.self, Slice.self, CoverageCommand.self, SQL.self,
            Review.self, Serve.self, Propose.self, Sample.self, SynthCommand.self, Run.self, ReportCommand.self, Compare.self, Trend.self, Power.self,
            Judge.self,
            SplitCommand.self, VersionCommand.self,
        ]
    )

    package init() {}

    /// evaldb's own version (`evaldb --version`, `evaldb version`).
    static let version = "0.1.0"

    /// Parses the command line, runs the command, and maps every outcome to the spec's exit statuses;
    /// never returns. A synchronous command runs on the main thread, as a C program's would: no
    /// task, no executor's threads to start at every command. An async one (`serve`) runs as a task
    /// on the global executor while the main thread serves the main queue (`dispatchMain`, what an
    /// async `main` does); the task exits the process when the command ends.
    package static func runCommandLine() -> Never {
        let arguments: [String]
        do {
            arguments = try GlobalOptions.apply(Array(CommandLine.arguments.dropFirst()))
        } catch let problem as GlobalOptions.Problem {
            Output.error(problem.message)
            Output.stderr("Run 'evaldb --help' for usage.")
            Foundation.exit(2)
        } catch {
            Foundation.exit(Output.report(error))
        }
        // A mistyped command, or help for one that does not exist: say so, with the nearest name.
        // The tool's version: here, not as argument-parser's flag, which every command's help would
        // list beside the dataset version's --version.
        if arguments == ["--version"] {
            Output.stdout("evaldb \(version)")
            Foundation.exit(0)
        }
        // `serve` runs in evaldb-serve, which links the HTTP server (ServeProgram).
        if arguments.first == "serve", ServeProgram.server == nil, let program = ServeProgram.locate() {
            let problem = ServeProgram.exec(program, arguments)
            Output.error("cannot run \(program): \(problem)")
            Foundation.exit(2)
        }
        let named = arguments.first == "help" ? arguments.dropFirst().first : arguments.first
        if let named, !named.hasPrefix("-"), !CommandNames.all.contains(named) {
            let hint = CommandNames.suggestion(for: named).map { "; did you mean '\($0)'?" } ?? ""
            Output.error("'\(named)' is not an evaldb command\(hint)")
            Output.stderr("Run 'evaldb --help' for the commands.")
            Foundation.exit(2)
        }
        let command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            Output.error(message(for: error))
            // Usage errors point to the command's own help.
            let path = arguments.prefix { !$0.hasPrefix("-") }.prefix(2).filter { $0 != "help" }
            let helpFor =
                CommandNames.all.contains(path.first ?? "") ? (["evaldb"] + path.prefix(isTwoWord(path) ? 2 : 1)).joined(separator: " ") : "evaldb"
            Output.stderr("Run '\(helpFor) --help' for usage.")
            Foundation.exit(2)
        }
        if var asynchronous = command as? AsyncParsableCommand {
            Task {
                do {
                    try await asynchronous.run()
                    Foundation.exit(0)
                } catch {
                    finish(error)
                }
            }
            dispatchMain()
        }
        do {
            var synchronous = command
            try synchronous.run()
            Foundation.exit(0)
        } catch {
            finish(error)
        }
    }

    /// The exit of a command that threw: `evaldb help CMD` and `CMD --help` parse as a help command
    /// whose run() throws the help request (success, the help printed); every other error reported.
    private static func finish(_ error: any Error) -> Never {
        if !(error is ExitCode), exitCode(for: error) == .success {
            print(fullMessage(for: error))
            Foundation.exit(0)
        }
        Foundation.exit(Output.report(error))
    }

    /// `run record`, `hook install`: commands of two words.
    private static func isTwoWord(_ path: [String]) -> Bool {
        guard path.count == 2, let group = configuration.subcommands.first(where: { CommandNames.name($0) == path.first }) else { return false }
        return group.configuration.subcommands.contains { CommandNames.name($0) == path.last }
    }
}
