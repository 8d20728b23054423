import ArgumentParser
import EvalDBKit

struct Hash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print the dataset hash of a file (as canonicalised) or of a version.",
        discussion: """
            For a canonical file the hash equals sha256sum of it, so anyone can check it without evaldb.

            Examples:
              evaldb hash evals/data/v0/golden.jsonl
              evaldb hash --version 2
            """)

    @Argument(help: "The dataset file ('-' for standard input).")
    var file: String?

    @Option(help: "A version (a number, a hash prefix or a git revision) instead of a file.", completion: Completions.versions)
    var version: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if (file == nil) == (version == nil) { throw ValidationError("give a FILE or --version, one of the two") }
    }

    func run() throws {
        if let version {
            Output.stdout(try database.openForReading().resolveVersion(version).hash)
            return
        }
        let check = try DatasetFileCheck.check(path: file!, options: input.readerOptions)
        guard check.isValid else {
            throw EvalDBError.invalidData(errors: check.problems, truncated: check.truncated)  // printed with the count
        }
        Output.problems(check.problems)  // warnings
        Output.stdout(check.hash)
    }
}
