import ArgumentParser
import EvalDBKit

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check dataset files against the record schema; no database needed.",
        discussion: """
            Prints every problem as FILE:LINE:COL: error: message (up to --max-errors) and exits 1 when \
            there is one. With --canonical, also exits 1 unless every line is already canonical, \
            naming the first line that is not: for git pre-commit hooks and CI.

            Examples:
              evaldb validate evals/data/v0/golden.jsonl
              evaldb validate --canonical evals/data/v0/golden.jsonl
            """)

    @Argument(help: "JSONL files to check ('-' for standard input).")
    var files: [String]

    @Flag(help: "Also require every line to be in canonical form already.")
    var canonical = false

    @OptionGroup var input: InputOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        if format.format != .table { return try runAsData() }
        var failed = false
        for file in files {
            let check = try DatasetFileCheck.check(path: file, options: input.readerOptions)
            Output.problems(check.problems)
            if !check.isValid {
                failed = true
                Output.stderr(
                    "\(check.path): \(check.errors.count) error\(check.errors.count == 1 ? "" : "s")\(check.truncated ? " (stopped at --max-errors)" : "")"
                )
                continue
            }
            if canonical, let line = check.firstNonCanonicalLine {
                failed = true
                Output.stderr(
                    "\(check.path):\(line):1: error: line \(line) \(check.nonCanonicalReason ?? "is not canonical"); `evaldb export -o` writes the canonical form"
                )
                continue
            }
            Output.stdout("\(check.path): \(check.recordCount) records, valid\(canonical ? " and canonical" : "") (\(check.hash))")
        }
        if failed { throw ExitCode(1) }
    }

    /// `--format json|jsonl|csv`: every problem as data (file, line, column, severity, message) on
    /// standard output — jsonl and csv a problem a line, json one object a file with its problems.
    private func runAsData() throws {
        var failed = false
        var problems = Listing(columns: ["file", "line", "column", "severity", "message"])
        var summaries: [JSONOutput] = []
        for file in files {
            let check = try DatasetFileCheck.check(path: file, options: input.readerOptions)
            var found = check.problems
            let nonCanonical = check.isValid && canonical ? check.firstNonCanonicalLine : nil
            if let line = nonCanonical {
                found.append(
                    DataError(file: check.path, line: line, column: 1, message: "line \(line) \(check.nonCanonicalReason ?? "is not canonical")"))
            }
            if !check.isValid || nonCanonical != nil { failed = true }
            for problem in found {
                problems.rows.append([
                    .text(problem.file), .int(problem.line), .int(problem.column), .text(problem.isWarning ? "warning" : "error"),
                    .text(problem.message),
                ])
            }
            summaries.append(
                .object([
                    ("file", .string(check.path)), ("records", .int(check.recordCount)), ("valid", .bool(check.isValid)),
                    ("canonical", canonical ? .bool(check.isValid && nonCanonical == nil) : .null),
                    ("hash", check.isValid ? .string(check.hash) : .null),
                    ("truncated", .bool(check.truncated)),
                    (
                        "problems",
                        .array(
                            found.map {
                                .object([
                                    ("file", .string($0.file)), ("line", .int($0.line)), ("column", .int($0.column)),
                                    ("severity", .string($0.isWarning ? "warning" : "error")), ("message", .string($0.message)),
                                ])
                            })
                    ),
                ]))
        }
        if format.format == .json {
            Output.stdout(JSONOutput.array(summaries).text)
        } else if !problems.rows.isEmpty || format.format == .csv {
            Output.stdout(format.render(problems))
        }
        if failed { throw ExitCode(1) }
    }
}
