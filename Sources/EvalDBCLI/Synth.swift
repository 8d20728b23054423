import ArgumentParser
import EvalDBKit
import Foundation

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Rewrite chosen examples' inputs with an LLM command, run each through the system, and queue them as proposals.",
        discussion: """
            For each example chosen (--where, --tag, --source, --id), REWRITER gets its canonical record \
            as one JSON line on standard input (EVALDB_ID and EVALDB_SYNTH_N in its environment) and \
            prints new inputs, one a line (JSON, or plain text); the first --n are taken. Each rewrite, \
            run through the system when a second -- names it (-- REWRITER ARGS -- CMD ARGS, as `run \
            exec` runs it), is queued as a proposal: the parent's record with the new input, a new id, \
            source synth:PARENT, the label synth_of, and the system's output in its rationale. \
            Synthetic inputs are fine, synthetic ground truth is not: `evaldb review --proposals` \
            shows each beside the system's output, and accepts it only once you set its expected output \
            (o JSON); the accepted example's author is you. No shell ever sees an example.

            Examples:
              evaldb synth --where feature=refund-request --n 3 \\
                  -- python3 evals/standin/rewrite.py \\
                  -- python3 evals/standin/system.py candidate
              evaldb synth --id booking-lookup-001 --n 10 \\
                  -- llm -m gpt-4o-mini -s "Rewrite this user message 10 ways, one a line"
            """)

    @OptionGroup var conditions: ConditionOptions

    @Option(name: .customLong("id"), help: "An example to rewrite (repeatable; with conditions, those of them that match).")
    var ids: [String] = []

    @Option(name: .customLong("n"), help: "Rewrites of each example.")
    var count = 5

    @Option(help: "Time the rewriter (and the system) may take an example: 30s, 2m, 500ms, or seconds.")
    var timeout = "120s"

    @Option(help: "Attempts after the first when a command exits non-zero or times out.")
    var retries = 0

    @Option(name: .customLong("proposed-by"), help: "Who proposes (default: the rewriter's program name).")
    var proposedBy: String?

    @OptionGroup var database: DatabaseOptions

    @Argument(parsing: .postTerminator, help: "-- REWRITER ARGS [-- CMD ARGS]: the rewriter, then the system.")
    var command: [String] = []

    func validate() throws {
        guard !commands().rewriter.isEmpty else { throw ValidationError("give the rewriter after --: -- REWRITER ARGS [-- CMD ARGS]") }
        guard count >= 1 else { throw ValidationError("--n must be 1 or more") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        guard SystemOptions.seconds(timeout).map({ $0 > 0 }) ?? false else {
            throw ValidationError("--timeout takes a duration above 0: 30s, 2m, 500ms or seconds, found \(timeout)")
        }
        if let system = commands().system, system.isEmpty { throw ValidationError("give the system after the second --: -- CMD ARGS") }
    }

    /// The rewriter's command line, and the system's after a second `--`.
    func commands() -> (rewriter: [String], system: [String]?) {
        guard let separator = command.firstIndex(of: "--") else { return (command, nil) }
        return (Array(command[..<separator]), Array(command[(separator + 1)...]))
    }

    func run() throws {
        let store = try database.open()
        let (rewriter, system) = commands()
        var options = SynthOptions(rewriter: rewriter)
        options.count = count
        options.conditions = try conditions.parsed()
        options.ids = ids
        options.timeout = SystemOptions.seconds(timeout) ?? 120
        options.retries = retries
        options.proposedBy = proposedBy
        if let system {
            var exec = ExecOptions(name: "synth", command: system)
            exec.timeout = options.timeout
            exec.retries = retries
            options.system = exec
        }
        let result: SynthResult
        do {
            result = try store.synth(options)
        } catch let error as ExecError {
            throw ValidationError(SystemOptions.describe(error))
        }
        for failure in result.failures {
            Output.stderr("evaldb: warning: \(Terminal.sanitized(failure.id)): \(Terminal.sanitized(failure.message)); no rewrites of it")
        }
        for skipped in result.skipped {
            Output.stderr("skipped \(Terminal.sanitized(skipped.id)): \(Terminal.sanitized(skipped.reason))")
        }
        Output.stdout(
            "synth: \(result.examples) example\(result.examples == 1 ? "" : "s") rewritten, \(result.queued.count) proposals queued"
                + (system == nil ? "" : ", each with the system's output"))
        if !result.queued.isEmpty {
            Output.stdout("`evaldb review --proposals` shows each; accepting one needs your expected output (o JSON)")
        }
    }
}
