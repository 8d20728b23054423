import ArgumentParser
import EvalDBKit

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    func run() throws {
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
                    "\(check.path):\(line): error: line \(line) \(check.nonCanonicalReason ?? "is not canonical"); `evaldb export -o` writes the canonical form"
                )
                continue
            }
            Output.stdout("\(check.path): \(check.recordCount) records, valid\(canonical ? " and canonical" : "") (\(check.hash))")
        }
        if failed { throw ExitCode(1) }
    }
}
