import ArgumentParser
import EvalDBKit
import Foundation

struct Propose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Queue candidate examples or label changes (from an LLM, say) for `review --proposals`.",
        discussion: """
            Each line of FILE is a whole example with a new id (a candidate), or {"id": ..., "labels": \
            {...}} (new values for some labels of an example). "proposed_by" and "rationale" on a line \
            say where it came from. A proposal rejected before, queued already or accepted already is \
            skipped, and said so. Any invalid line: every problem is reported and nothing is queued.

            Examples:
              evaldb propose candidates.jsonl --proposed-by gpt-x
              evaldb review --proposals
            """)

    @Argument(help: "The proposals file ('-' for standard input).")
    var file: String

    @Option(name: .customLong("proposed-by"), help: "Where the proposals come from, for lines without \"proposed_by\".")
    var proposedBy: String?

    @Option(name: .customLong("max-errors"), help: "Stop after this many errors.")
    var maxErrors = 50

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let store = try database.open()
        let result = try store.propose(file, proposedBy: proposedBy, maxErrors: max(1, maxErrors))
        for skip in result.skipped {
            Output.stderr("\(file):\(skip.line): skipped \(Terminal.sanitized(skip.id)): \(skip.reason)")
        }
        let examples = result.queued.filter { $0.kind == .example }.count
        Output.stdout(
            "queued \(result.queued.count) proposal\(result.queued.count == 1 ? "" : "s") (\(examples) new example\(examples == 1 ? "" : "s"), \(result.queued.count - examples) label change\(result.queued.count - examples == 1 ? "" : "s")); skipped \(result.skipped.count)"
        )
        if !result.queued.isEmpty { Output.stdout("next: evaldb review --proposals") }
    }
}
