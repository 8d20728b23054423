import ArgumentParser
import EvalDBKit
import Foundation

/// How to run the system and grade its outputs: the options `run exec` and `review --exec` share.
struct SystemOptions: ParsableArguments {
    @Option(help: "Time an example may take, each attempt: 30s, 2m, 500ms, or seconds.")
    var timeout = "120s"

    @Option(help: "Attempts after the first when the command exits non-zero or times out, with backoff.")
    var retries = 0

    @Option(help: "exact, json-subset, contains, regex (the expected output is the pattern) or regex:PATTERN.")
    var grade = "exact"

    @Flag(help: "Grade by a judge command: -- JUDGE ARGS -- CMD ARGS.")
    var judge = false

    @Option(help: "What CMD reads: record (the example's canonical record, one JSON line) or input (its input alone; a string as text).")
    var send = "record"

    @Option(name: .customLong("max-output"), help: "An output over this many bytes is kept cut, as an error.")
    var maxOutput = 1 << 20

    @Argument(parsing: .postTerminator, help: "-- CMD ARGS: the system (with --judge: -- JUDGE ARGS -- CMD ARGS).")
    var command: [String] = []

    func validate() throws {
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
        guard maxOutput >= 1 else { throw ValidationError("--max-output must be 1 byte or more") }
        guard Self.seconds(timeout).map({ $0 > 0 }) ?? false else {
            throw ValidationError("--timeout takes a duration above 0: 30s, 2m, 500ms or seconds, found \(timeout)")
        }
        guard Grader(spec: grade) != nil else {
            throw ValidationError("--grade is exact, json-subset, contains, regex or regex:PATTERN, found \(grade)")
        }
        if judge && grade != "exact" { throw ValidationError("--grade and --judge are two ways to grade: give one") }
        guard ["record", "input"].contains(send) else { throw ValidationError("--send is record or input, found \(send)") }
    }

    /// Throws unless a system command (and with --judge, a judge command) was given.
    func requireCommand() throws {
        let (system, judgeCommand) = commands()
        if judge && (judgeCommand?.isEmpty ?? true || system.isEmpty) {
            throw ValidationError("give the judge and the system: --judge -- JUDGE ARGS -- CMD ARGS")
        }
        guard !system.isEmpty else { throw ValidationError("give the command after --: -- CMD ARGS") }
    }

    /// The system's command line, and the judge's with --judge.
    func commands() -> (system: [String], judge: [String]?) {
        guard judge else { return (command, nil) }
        guard let separator = command.firstIndex(of: "--") else { return ([], command) }
        return (Array(command[(separator + 1)...]), Array(command[..<separator]))
    }

    /// Options for the library, named `name`.
    func execOptions(name: String) -> ExecOptions {
        let (system, judgeCommand) = commands()
        var options = ExecOptions(name: name, command: system)
        options.inputOnly = send == "input"
        options.timeout = Self.seconds(timeout) ?? 120
        options.retries = retries
        options.maxOutputBytes = maxOutput
        options.grader = Grader(spec: grade) ?? .exact
        options.judge = judgeCommand
        return options
    }

    /// A duration in seconds: `30s`, `2m`, `1h`, `500ms`, or a plain number of seconds.
    static func seconds(_ text: String) -> Double? {
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(text)
    }

    /// An `ExecError` in the command line's words.
    static func describe(_ error: ExecError) -> String {
        switch error {
        case .interruptedRunExists:
            return error.description + ": add --resume to finish it (the same command and options), or remove that folder to start again"
        case .nothingToResume: return error.description + " (--resume finishes a run that was interrupted)"
        case .resumeMismatch: return error.description + " (give --resume the options the run was started with)"
        case .reuseFromOtherCommand:
            return error.description + " (--reuse takes results of a run made by the same command line, --send, --grade and --judge)"
        case .nothingSelected: return error.description + " (check --where, --tag, --source and --only)"
        case .partialRunIncomplete: return error.description + ": the same command with --resume runs what is missing"
        default: return error.description
        }
    }
}
