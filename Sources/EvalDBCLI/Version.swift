import ArgumentParser
import EvalDBKit

/// `evaldb version`: the tool's own version (also `evaldb --version`); `--version N` of the other
/// commands is always a dataset version.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print evaldb's own version.",
        discussion: """
            The same as `evaldb --version`. (`--version` after a command names a dataset version.)

            Example:
              evaldb version
            """)

    func run() throws { Output.stdout("evaldb \(EvalDB.version)") }
}

/// What to tell someone whose command line names no command.
enum CommandNames {
    static var all: [String] { EvalDB.configuration.subcommands.map(name) }

    /// A command's name, as its configuration declares it (every command declares one).
    static func name(_ command: ParsableCommand.Type) -> String { command.configuration.commandName ?? "" }

    /// The known command closest to `typed` (at most two edits away), if any.
    static func suggestion(for typed: String) -> String? {
        all.map { ($0, EditDistance.between(typed, $0)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }
}
