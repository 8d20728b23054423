import ArgumentParser
import EvalDBKit

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one example as of a version, as canonical JSON.",
        discussion: """
            Exits 1, saying why, when the id is removed at that version or does not exist there.

            Examples:
              evaldb show booking-lookup-001
              evaldb show booking-lookup-001 --version 1
            """)

    @Argument(help: "The example's id (compared byte for byte).")
    var id: String

    @OptionGroup var versionOptions: VersionOptions

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        let chosen = try versionOptions.resolve(in: store)
        switch try store.state(of: id, at: chosen) {
        case .live(let revision):
            Output.stdout(revision.record ?? "")
        case .removed(let tombstone, _):
            Output.error(
                "id \(Terminal.sanitized(id)) was removed in version \(tombstone.version) (\(tombstone.date), \(tombstone.author)); `evaldb log` shows its history"
            )
            throw ExitCode(1)
        case .notYet(let first):
            Output.error("id \(Terminal.sanitized(id)) does not exist at version \(chosen.number): it was added in version \(first)")
            throw ExitCode(1)
        case .unknown:
            Output.error("no example has the id \(Terminal.sanitized(id))")
            throw ExitCode(1)
        }
    }
}
