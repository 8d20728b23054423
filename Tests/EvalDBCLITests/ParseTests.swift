import ArgumentParser
import Testing

@testable import EvalDBCLI

/// The command line parsed in process, as swift-argument-parser's own tests do: every command's
/// options and their errors, without starting a process.
@Suite("Parsing the command line")
struct ParseTests {
    /// The command `arguments` parse to.
    func parse(_ arguments: [String]) throws -> ParsableCommand { try EvalDB.parseAsRoot(arguments) }

    /// What `evaldb PATH --help` prints (at 80 columns), made in process.
    static func help(_ path: [String]) -> String {
        do {
            // `CMD --help` parses as argument-parser's help command, whose run() throws the request.
            var command = try EvalDB.parseAsRoot(path + ["--help"])
            try command.run()
            return ""
        } catch {
            return EvalDB.fullMessage(for: error, columns: 80)
        }
    }

    /// Every command path, found as a reader finds them: the SUBCOMMANDS of the root's help, then
    /// of each of theirs (argument-parser's `help` left out).
    static func commandPaths() -> [[String]] {
        var paths: [[String]] = []
        var pending = CommandLineTests.subcommands(in: help([])).map { [$0] }
        while let path = pending.first {
            pending.removeFirst()
            paths.append(path)
            pending += CommandLineTests.subcommands(in: help(path)).filter { $0 != "help" }.map { path + [$0] }
        }
        return paths
    }

    /// The lines of a help's example block (after a line starting "Example"), as printed.
    static func exampleLines(in help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Example") }) else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.isEmpty })
    }

    /// The example commands of a help: each example line, a line ending in `\` joined with the next.
    static func examples(in help: String) -> [String] {
        var commands: [String] = []
        var pending = ""
        for line in exampleLines(in: help) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("\\") {
                pending += text.dropLast() + " "
            } else {
                commands.append(pending + text)
                pending = ""
            }
        }
        return commands
    }

    /// The arguments the shell gives evaldb for one command line: quotes removed; the command of a
    /// pipeline that is evaldb; up to a comment or a redirection.
    static func evaldbArguments(_ line: String) -> [String]? {
        var words: [String] = [], word: String?, quote: Character?
        var commands: [[String]] = []
        func endWord() {
            if let finished = word { words.append(finished) }
            word = nil
        }
        scan: for character in line {
            if let open = quote {
                if character == open { quote = nil } else { word = (word ?? "") + String(character) }
                continue
            }
            switch character {
            case "'", "\"": quote = character; word = word ?? ""
            case " ": endWord()
            case "|":
                endWord()
                commands.append(words)
                words = []
            case "#" where word == nil, ">", ";", "&": break scan
            default: word = (word ?? "") + String(character)
            }
        }
        endWord()
        commands.append(words)
        return commands.first { $0.first == "evaldb" }.map { Array($0.dropFirst()) }
    }

    @Test("every help copies and pastes: --version listed once, each example a whole command (a long one continued with \\), every command shows one")
    func everyHelpCopiesAndPastes() {
        let paths = Self.commandPaths()
        #expect(paths.count > 35 && paths.contains(["export"]) && paths.contains(["judge", "calibrate"]), "\(paths)")
        var checked = 0
        for path in paths {
            let help = Self.help(path)
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let flags = lines.filter { $0.hasPrefix("  --version") }  // the OPTIONS list
            #expect(flags.count <= 1, "\(path) --help lists --version \(flags.count) times")
            let examples = Self.exampleLines(in: help)
            let isGroup = !CommandLineTests.subcommands(in: help).isEmpty
            #expect(isGroup || !examples.isEmpty, "evaldb \(path.joined(separator: " ")) --help has no example")
            for (index, line) in examples.enumerated() {
                let continues = index > 0 && examples[index - 1].hasSuffix("\\") && line.hasPrefix("      ")
                #expect(continues || line.hasPrefix("  evaldb ") || line.hasPrefix("  printf "), "\(path) --help: a cut example: \(line)")
            }
            if !examples.isEmpty { checked += 1 }
        }
        #expect(checked > 30, "examples checked in \(checked) helps")
    }

    @Test("every example of every help parses as the command it shows: serve, sample, judge and split as much as import")
    func everyHelpExampleParses() throws {
        var parsed: Set<String> = []
        var count = 0
        let paths = Self.commandPaths()
        for path in [[]] + paths {
            for example in Self.examples(in: Self.help(path)) {
                let arguments = try #require(Self.evaldbArguments(example), "no evaldb command in \(example)")
                #expect(throws: Never.self, "\(example)") { _ = try parse(arguments) }
                let command = paths.filter { arguments.starts(with: $0) }.max { $0.count < $1.count }
                parsed.insert(command?.joined(separator: " ") ?? "")
                count += 1
            }
        }
        #expect(count > 80, "\(count) examples")
        for command in ["serve", "sample", "judge verdicts", "judge calibrate", "split", "run exec", "import", "compare"] {
            #expect(parsed.contains(command), "no example of \(command) parsed: \(parsed.sorted())")
        }
    }

    @Test("the shell words of an example: quotes, a pipeline into evaldb, a comment and a redirection")
    func exampleWords() {
        #expect(
            Self.evaldbArguments(#"evaldb import f.jsonl --message "first labelling session""#) == [
                "import", "f.jsonl", "--message", "first labelling session",
            ])
        #expect(Self.evaldbArguments(#"printf 'n x\nq\n' | evaldb review --where feature=refund"#) == ["review", "--where", "feature=refund"])
        #expect(Self.evaldbArguments("evaldb power --rate 90 --n 100  # about 6 points") == ["power", "--rate", "90", "--n", "100"])
        #expect(Self.evaldbArguments("evaldb export --version 3 > v3.jsonl") == ["export", "--version", "3"])
        #expect(Self.evaldbArguments("git merge") == nil)
    }

    @Test("serve, sample, judge and split: each option lands where the command reads it")
    func serveSampleJudgeSplit() throws {
        let serve = try #require(
            try parse(["serve", "--port", "0", "--reviewer", "ana", "--open", "--exec", "--grade", "json-subset", "--", "python3", "s.py"]) as? Serve)
        #expect(serve.port == 0 && serve.reviewer == "ana" && serve.open && serve.exec)
        #expect(serve.system.grade == "json-subset" && serve.system.command == ["python3", "s.py"])
        let sample = try #require(
            try parse([
                "sample", "a.jsonl", "b.jsonl", "--stratum", "refund:attributes.intent=refund", "--quota", "refund=50", "--uniform", "100",
                "--per-session", "2", "--label", "feature=booking", "--dry-run",
            ]) as? Sample)
        #expect(sample.files == ["a.jsonl", "b.jsonl"] && sample.quota == ["refund=50"] && sample.uniform == 100 && sample.perSession == 2)
        #expect(sample.dryRun && sample.label == ["feature=booking"])
        #expect(throws: Never.self) { _ = try sample.plan() }
        let verdicts = try #require(try parse(["judge", "verdicts", "h.jsonl", "--run", "judge-gpt", "--reviewer", "ana"]) as? Judge.Verdicts)
        #expect(verdicts.file == "h.jsonl" && verdicts.runName == "judge-gpt" && verdicts.reviewer == "ana")
        let calibrate = try #require(
            try parse(["judge", "calibrate", "--judge", "j", "--human", "v.jsonl", "--split", "test", "--name", "n", "--dry-run"]) as? Judge.Calibrate
        )
        #expect(calibrate.judge == "j" && calibrate.human == "v.jsonl" && calibrate.split == "test" && calibrate.name == "n" && calibrate.dryRun)
        let split = try #require(
            try parse(["split", "--train", "80", "--dev", "10", "--test", "10", "--seed", "7", "--by", "feature"]) as? SplitCommand)
        #expect(split.train == 0.8 && split.dev == 0.1 && split.test == 0.1 && split.seed == "7" && split.by == "feature" && !split.check)
    }

    @Test("a sampling plan's usage errors name the flag, before any trace is read")
    func samplePlanErrors() throws {
        let cases: [([String], String)] = [
            (["sample", "t.jsonl", "--quota", "refund=5"], "--quota refund=...: no --stratum refund"),
            (["sample", "t.jsonl", "--stratum", "refund:attributes.intent=refund"], "stratum refund has no size"),
            (["sample", "t.jsonl"], "nothing to sample"),
            (["sample", "t.jsonl", "--uniform", "5", "--rate", "10"], "--uniform N or --rate P, not both"),
        ]
        for (arguments, words) in cases {
            let sample = try #require(try parse(arguments) as? Sample)
            let error = #expect(throws: ValidationError.self, "\(arguments)") { _ = try sample.plan() }
            #expect(error?.message.contains(words) == true, "\(arguments): \(error?.message ?? "")")
        }
    }

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
            ["hash", "f.jsonl"], ["serve", "--port", "0"], ["sample", "t.jsonl", "--uniform", "200"],
            ["judge", "verdicts", "h.jsonl", "--run", "r"], ["judge", "calibrate", "--judge", "r", "--human", "h"], ["split", "--check"],
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
            (["serve", "--port", "70000"], "--port takes 0 to 65535"),
            (["serve", "--", "python3", "s.py"], "a command after -- goes with --exec"),
            (["serve", "--exec"], "give the command after --"),
            (["judge", "verdicts", "h.jsonl"], "Missing expected argument '--run <run>'"),
            (["judge", "calibrate", "--judge", "j"], "Missing expected argument '--human <human>'"),
            (["split", "--train", "80"], "give --seed"),
            (["split"], "give the shares (--train, --dev, --test) or --check"),
            (["split", "--check", "--seed", "7"], "--check only checks"),
        ]
        for (arguments, words) in cases {
            let failed = try #require(failure(arguments), "\(arguments) should fail")
            #expect(failed.code != 0, "\(arguments)")
            #expect(failed.message.contains(words), "\(arguments): \(failed.message)")
        }
    }
}
