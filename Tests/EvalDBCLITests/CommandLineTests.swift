import Foundation
import Testing

/// Details of the command line a script or a CI job relies on.
@Suite("Command-line details")
struct CommandLineTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-cmd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    @Test("diff --exit-code exits 1 when the datasets differ and 0 when they do not, as git diff does")
    func diffExitCode() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try Clone.new(in: folder, user: "ana")
        #expect(try clone.evaldb(["import", TeamTests.dataset]).status == 0)
        #expect(try clone.evaldb(["diff", TeamTests.dataset, "--exit-code"]).status == 0)
        #expect(try clone.evaldb(["diff", TeamTests.dataset]).status == 0)
        let text = String(decoding: try clone.read(TeamTests.dataset), as: UTF8.self)
        try Data(text.split(separator: "\n").dropFirst().map { $0 + "\n" }.joined().utf8)
            .write(to: URL(fileURLWithPath: clone.path + "/" + TeamTests.dataset))
        let differs = try clone.evaldb(["diff", TeamTests.dataset, "--exit-code"])
        #expect(differs.status == 1)
        #expect(differs.output.contains("1 removed"), "\(differs.output)")
        #expect(try clone.evaldb(["diff", TeamTests.dataset]).status == 0, "without --exit-code the answer is 0")
    }

    @Test("options before the command, as git takes them: -C DIR runs it there, --db PATH is its database, a --db after the command wins")
    func globalOptionsBeforeTheCommand() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let project = folder + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try Data(record("a").utf8).write(to: URL(fileURLWithPath: project + "/golden.jsonl"))
        let elsewhere = folder + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        // `-C` first, then `--db` relative to where `-C` leads.
        let imported = try CLI.execute(CLI.binary, ["-C", project, "--db", "db/evaldb.sqlite", "import", "golden.jsonl"], in: elsewhere)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(FileManager.default.fileExists(atPath: project + "/db/evaldb.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: elsewhere + "/db"))
        let listed = try CLI.execute(CLI.binary, ["--db=\(project)/db/evaldb.sqlite", "versions", "--format", "json"], in: elsewhere)
        #expect(listed.status == 0 && listed.output.contains("\"examples\": 1"), "\(listed.output) \(listed.stderr)")
        let after = try CLI.execute(CLI.binary, ["--db", project + "/db/evaldb.sqlite", "versions", "--db", folder + "/none.sqlite"], in: elsewhere)
        #expect(after.status == 2 && after.stderr.contains("none.sqlite"), "the --db after the command wins: \(after.stderr)")
        for (arguments, message) in [(["-C", folder + "/missing", "versions"], "cannot change to"), (["--db"], "--db needs a path")] {
            let refused = try CLI.execute(CLI.binary, arguments, in: elsewhere)
            #expect(refused.status == 2 && refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
    }

    @Test("rates, power and confidence are typed in percent in every command: a fraction is refused, naming the percent it would be")
    func ratesInPercent() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cli = try CLI()
        defer { cli.cleanUp() }
        let ninety = try cli.run(["power", "--rate", "90", "--n", "100"])
        #expect(ninety.status == 0 && ninety.output.hasPrefix("pass rate 90% on 100 examples: ±6.0 points"), "\(ninety.output)")
        #expect(try cli.run(["power", "--rate", "90%", "--n", "100"]).output == ninety.output)
        let small = try cli.run(["power", "--rate", "0.5%", "--n", "100"])
        #expect(small.status == 0 && small.output.hasPrefix("pass rate 0.5% on 100 examples"), "\(small.output) \(small.stderr)")
        for (arguments, suggestion) in [
            (["power", "--rate", "0.9", "--n", "100"], "--rate 90"),
            (["power", "--rate", "90", "--n", "100", "--confidence", "0.99"], "--confidence 99"),
            (["coverage", "--budget", "5", "--min-power", "0.8"], "--min-power 80"), (["coverage", "--budget", "5", "--rate", "0.85"], "--rate 85"),
            (["compare", "a", "b", "--confidence", "0.9"], "--confidence 90"),
            (["compare", "a", "b", "--by", "feature", "--fdr", "0.1"], "--fdr 10"),
            (["sample", "traces.jsonl", "--rate", "0.01"], "--rate 1"), (["sample", "traces.jsonl", "--rate", "refund=0.5"], "--rate refund=50"),
            (["split", "--train", "0.2", "--seed", "7"], "--train 20"), (["split", "--dev", "0.1", "--seed", "7"], "--dev 10"),
            (["split", "--test", "0.25", "--seed", "7"], "--test 25"),
        ] {
            let refused = try cli.run(arguments)
            #expect(refused.status == 2 && refused.stderr.contains("did you mean \(suggestion)?"), "\(arguments): \(refused.stderr)")
        }
        let tooLarge = try cli.run(["power", "--rate", "150", "--n", "100"])
        #expect(tooLarge.status == 2 && tooLarge.stderr.contains("a percent is from 0 to 100"), "\(tooLarge.stderr)")
        // sample's rates and split's shares are in percent too, and said so back.
        try cli.write("traces.jsonl", (1...4).map { #"{"trace_id": "t\#($0)", "input": "q\#($0)"}"# + "\n" }.joined())
        let everything = try cli.run(["sample", "traces.jsonl", "--rate", "100", "--dry-run"])
        #expect(everything.status == 0 && everything.output.split(separator: "\n").count == 4, "\(everything.output) \(everything.stderr)")
        try cli.write("golden.jsonl", (1...20).map { record("ex-\($0)") }.joined())
        #expect(try cli.run(["import", "golden.jsonl"]).status == 0)
        let sampled = try cli.run(["sample", "traces.jsonl", "--rate", "100"])
        #expect(sampled.status == 0 && sampled.output.contains("the rest, rate 100%"), "\(sampled.output) \(sampled.stderr)")
        let overfull = try cli.run(["split", "--train", "50", "--dev", "50", "--test", "50", "--seed", "7"])
        #expect(overfull.status == 2 && overfull.stderr.contains("percents that add up to 100; found 50% + 50% + 50% = 150%"), "\(overfull.stderr)")
        let placed = try cli.run(["split", "--train", "100", "--seed", "7"])
        #expect(placed.status == 0 && placed.output.contains("placed 20 examples, 0 kept their split: train 20, dev 0, test 0"), "\(placed.output)")
    }

    @Test("a database this user cannot write: every read command answers, and a write is refused naming the path, writing nothing")
    func readOnlyDatabase() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cli = try CLI()
        defer {
            _ = try? CLI.execute("/bin/chmod", ["-R", "u+w", cli.folder], in: "/")
            cli.cleanUp()
        }
        try cli.write("golden.jsonl", record("a") + record("b"))
        #expect(try cli.run(["import", "golden.jsonl"]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cli.database))
        // As root (CI): the commands run as `nobody`, who may read the files and not write them.
        // Otherwise the folder and the file are made read-only for this user.
        let asRoot = getuid() == 0
        // Root writes whatever the modes say: without runuser there is no other user to be.
        if asRoot && !FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") { return }
        if asRoot {
            _ = try CLI.execute("/bin/chmod", ["-R", "a+rX", cli.folder], in: "/")
        } else {
            _ = try CLI.execute("/bin/chmod", ["a-w", cli.database, cli.folder + "/db"], in: "/")
        }
        func evaldb(_ arguments: [String]) throws -> CLI.Result {
            let full = arguments + ["--db", cli.database]
            return asRoot
                ? try CLI.execute("/usr/sbin/runuser", ["-u", "nobody", "--", CLI.binary] + full, in: cli.folder)
                : try CLI.execute(CLI.binary, full, in: cli.folder)
        }
        for arguments in [
            ["versions"], ["slice", "--count-by", "feature"], ["export"], ["show", "a"], ["sql", "SELECT count(*) FROM examples"],
            ["hash", "--version", "1"], ["verify"],
        ] {
            let read = try evaldb(arguments)
            #expect(read.status == 0, "\(arguments): \(read.stderr)")
            #expect(!read.stderr.contains("SQLite error"), "\(arguments): \(read.stderr)")
        }
        #expect(try evaldb(["export"]).output == record("a") + record("b"))
        let refused = try evaldb(["import", "golden.jsonl", "--message", "again"])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("cannot write \(cli.database)") && !refused.stderr.contains("SQLite error"), "\(refused.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cli.database)) == before, "nothing written")
    }

    @Test("diff V alone is from version V to the current one, as git diff REV; diff FILE alone is what importing FILE would do")
    func diffOfOneVersion() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cli = try CLI()
        defer { cli.cleanUp() }
        try cli.write("golden.jsonl", record("a") + record("b"))
        #expect(try cli.run(["import", "golden.jsonl"]).status == 0)
        try cli.write("golden.jsonl", record("b"))
        #expect(try cli.run(["import", "golden.jsonl"]).status == 0)
        let fromOne = try cli.run(["diff", "1", "--format", "json"])
        #expect(fromOne.status == 0, "\(fromOne.stderr)")
        #expect(fromOne.output == (try cli.run(["diff", "1", "2", "--format", "json"])).output)
        #expect(fromOne.output.contains(#""removed": ["a"]"#), "\(fromOne.output)")
        try cli.write("golden.jsonl", record("b") + record("c"))
        #expect(try cli.run(["diff", "golden.jsonl", "--stat"]).output.contains("1 added"))
    }

    @Test("diff of two versions (read from disk) prints, in every format, what diff of the first version and the second's file prints")
    func diffOfVersionsAsOfFile() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cli = try CLI()
        defer { cli.cleanUp() }
        let first = (0..<30).map { record("ex-\($0)", $0 % 10 == 3 ? "the same question" : "question \($0)") }
        try cli.write("v1.jsonl", first.joined())
        #expect(try cli.run(["import", "v1.jsonl"]).status == 0)
        var second = first.enumerated().filter { $0.offset % 10 != 3 && $0.offset != 5 }.map(\.element)
        second[1] = record("ex-1", "edited \\\"question\\\"\\nwith a newline")
        second += [record("moved-a", "the same question"), record("moved-b", "the same question"), record("ex-30")]
        try cli.write("v2.jsonl", second.joined())
        #expect(try cli.run(["import", "v2.jsonl"]).status == 0)
        for options in [[], ["-p"], ["--stat"], ["--format", "json"], ["--format", "csv"]] {
            let versions = try cli.run(["diff", "1", "2"] + options), file = try cli.run(["diff", "1", "v2.jsonl"] + options)
            #expect(versions.status == 0 && file.status == 0, "\(versions.stderr) \(file.stderr)")
            #expect(versions.output == file.output.replacingOccurrences(of: "v2.jsonl", with: "version 2"), "\(options)")
            #expect(versions.output.contains("ex-1") && versions.output.contains("ex-5") || options == ["--stat"], "\(versions.output)")
        }
        let text = try cli.run(["diff", "1", "2"]).output
        #expect(text.hasPrefix("diff version 1 -> version 2: 3 added, 1 changed, 4 removed, 25 unchanged\n"), "\(text)")
        #expect(text.contains("suspected rename: ex-3 -> moved-a\nsuspected rename: ex-13 -> moved-b\n"), "\(text)")
    }

    /// The subcommands a help lists (its SUBCOMMANDS section).
    static func subcommands(in help: String) -> [String] {
        guard help.contains("SUBCOMMANDS:") else { return [] }
        return help.components(separatedBy: "SUBCOMMANDS:").last!.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first,
                word.allSatisfy({ $0.isLowercase || $0 == "-" })
            else { return nil }
            return String(word)
        }
    }

    @Test("the binary prints the help the parse tier checks in process (ParseTests), and its own version as `version` does")
    func helpAndVersionOfTheBinary() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for path in [[], ["export"], ["judge", "calibrate"]] {
            let printed = try CLI.execute(CLI.binary, path + ["--help"], in: folder, environment: ["COLUMNS": "80"])
            #expect(printed.status == 0 && printed.output == ParseTests.help(path) + "\n", "\(path)")
        }
        let own = try CLI.execute(CLI.binary, ["--version"], in: folder)
        #expect(own.status == 0 && own.output.hasPrefix("evaldb "))
        #expect(try CLI.execute(CLI.binary, ["version"], in: folder).output == own.output)
    }

    @Test("hook install from another evaldb (another path) says it is installed, and the hook runs the new one")
    func hookInstalledTwice() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let clone = try Clone.new(in: folder, user: "ana")
        #expect(try clone.evaldb(["hook", "install"]).output.contains("installed"))
        let copy = folder + "/bin/evaldb"
        try FileManager.default.createDirectory(atPath: folder + "/bin", withIntermediateDirectories: true)
        try CLI.copyBinary(to: copy)
        let again = try CLI.execute(copy, ["hook", "install"], in: clone.path, environment: ["EVALDB_DB": ""])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.output.contains("already installed"), "\(again.output)")
        let hook = String(decoding: try clone.read(".git/hooks/pre-commit"), as: UTF8.self)
        #expect(hook.contains(copy))
    }

    @Test("import names a duplicate id's first line, as a compiler names the previous definition")
    func duplicateIdNamesFirstLine() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let file = try cli.write("dup.jsonl", record("a") + record("b") + record("a"))
        for _ in 0..<2 {  // into an empty database, then into one that knows the ids
            let result = try cli.run(["import", file])
            #expect(result.status == 1)
            #expect(result.stderr.contains(#"dup.jsonl:3:"#) && result.stderr.contains(#"duplicate id "a" (first on line 1)"#), "\(result.stderr)")
            #expect(try cli.run(["import", try cli.write("ok.jsonl", record("a") + record("b"))]).status == 0)
        }
    }

    @Test("a mistyped command suggests the nearest one, help for no such command is an error, usage errors name the command's help")
    func commandNames() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let typo = try cli.run(["imprt", "x.jsonl"])
        #expect(typo.status == 2 && typo.stderr.contains("'imprt' is not an evaldb command; did you mean 'import'?"), "\(typo.stderr)")
        let help = try cli.run(["help", "nosuch"])
        #expect(help.status == 2 && help.stderr.contains("'nosuch' is not an evaldb command"), "\(help.stderr)")
        #expect(try cli.run(["help", "import"]).status == 0)
        let usage = try cli.run(["run", "record", "x.jsonl"])
        #expect(usage.status == 2 && usage.stderr.contains("Run 'evaldb run record --help' for usage."), "\(usage.stderr)")
        #expect(try cli.run(["export", "--versoin", "1"]).stderr.contains("Run 'evaldb export --help' for usage."))
        let version = try cli.run(["version"])
        #expect(version.status == 0 && version.output == "evaldb 0.1.0\n")
    }
}
