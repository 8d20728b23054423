import ArgumentParser
import Testing

@testable import evaldb

/// The command line parsed in process, as swift-argument-parser's own tests do: every command's
/// options and their errors, without starting a process.
@Suite("Parsing the command line")
struct ParseTests {
    /// The command `arguments` parse to.
    func parse(_ arguments: [String]) throws -> ParsableCommand { try EvalDB.parseAsRoot(arguments) }

    /// The exit status and message `arguments` fail with.
    func failure(_ arguments: [String]) -> (code: Int32, message: String)? {
        do {
            _ = try EvalDB.parseAsRoot(arguments)
            return nil
        } catch {
            return (EvalDB.exitCode(for: error).rawValue, EvalDB.message(for: error))
        }
    }

    @Test(
        "every command and subcommand declares its name: the names the command line offers and suggests come from there (no argument-parser internals)"
    )
    func everyCommandNamed() throws {
        func walk(_ command: ParsableCommand.Type, _ path: [String]) throws {
            for sub in command.configuration.subcommands {
                let name = try #require(sub.configuration.commandName, "\(sub) declares no commandName")
                #expect(!name.isEmpty)
                try walk(sub, path + [name])
            }
        }
        try walk(EvalDB.self, [])
        #expect(CommandNames.all.count == EvalDB.configuration.subcommands.count && CommandNames.all.contains("merge-file"))
        #expect(CommandNames.suggestion(for: "imprt") == "import")
    }

    @Test("every command and subcommand parses its documented example")
    func examplesParse() throws {
        let lines: [[String]] = [
            ["import", "evals/data/v0/golden.jsonl", "-m", "x", "--force", "--dry-run"],
            ["export", "-o", "golden.jsonl", "--version", "golden-2026-11", "--force"],
            ["sync"], ["sync", "--git", "evals/data/v0/golden.jsonl"],
            ["merge-file", "base", "ours", "theirs"],
            ["versions", "--format", "json"], ["status", "--file", "f.jsonl"], ["verify"],
            ["log", "id", "-p"], ["blame", "id", "--version", "HEAD~1"], ["show", "id", "--version", "3"], ["diff", "1", "2", "-p"],
            ["slice", "--where", "feature=refunds", "--tag", "t", "--count-by", "feature"], ["coverage", "--min", "3"],
            ["sql", "SELECT 1"], ["run", "record", "r.jsonl", "--name", "n", "--dataset", "3497797e"], ["run", "list"],
            ["report", "baseline", "--by", "feature"], ["compare", "baseline", "candidate", "--budget", "2"],
            ["power", "--rate", "90", "--n", "100"], ["review", "--run", "candidate", "--failed", "--unread"],
            ["propose", "p.jsonl"], ["hook", "install"], ["version"], ["diff", "1", "2", "--exit-code"], ["validate", "--canonical", "f.jsonl"],
            ["hash", "f.jsonl"],
        ]
        for line in lines {
            #expect(throws: Never.self, "\(line)") { _ = try parse(line) }
        }
        let importCommand = try #require(try parse(["import", "f.jsonl", "--force"]) as? Import)
        #expect(importCommand.force && importCommand.file == "f.jsonl")
        let sync = try #require(try parse(["sync"]) as? Sync)
        #expect(sync.path == nil)
    }

    @Test("usage errors are refused before anything runs, naming what is wrong")
    func usageErrors() throws {
        let cases: [([String], String)] = [
            (["import"], "Missing expected argument '<file>'"),
            (["export", "--version", "1", "--hash", "ab"], "give --version or --hash, not both"),
            (["run", "record", "r.jsonl", "--name", "n"], "give --dataset HASH or --dataset-file FILE"),
            (["merge-file", "base", "ours"], "Missing expected argument '<theirs>'"),
            (["versions", "--format", "xml"], "xml"),
        ]
        for (arguments, words) in cases {
            let failed = try #require(failure(arguments), "\(arguments) should fail")
            #expect(failed.code != 0, "\(arguments)")
            #expect(failed.message.contains(words), "\(arguments): \(failed.message)")
        }
    }
}
