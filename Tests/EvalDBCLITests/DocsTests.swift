import Foundation
import Testing

private let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A shell block of a document marked `<!-- runnable -->`: its command lines, each with the exit
/// status its comment promises (`(exit N)`, else 0), and the output a following `<!-- output -->`
/// block shows. A transcript (lines `$ COMMAND` each followed by its output) is runnable too: its
/// `$` lines are the commands and the lines after each the output they must print (on either
/// stream, whatever the exit status). A shell block that cannot run says why instead, in a
/// `<!-- not run: REASON -->` marker; one with neither marker is an error (`unmarked`).
struct RunnableBlock {
    var document: String
    var line: Int
    var commands: [(text: String, status: Int32?, line: Int)]
    var expectedOutput: [String] = []

    /// A fenced block of a document: its language, the marker before it, its lines and where it starts.
    struct Fenced {
        var language: String
        var marker: String?
        var body: [(String, Int)]
        var line: Int

        /// A block of shell commands, or a transcript of them.
        var isShell: Bool {
            ["sh", "bash", "shell", "console"].contains(language) || (["", "text"].contains(language) && isTranscript)
        }
        var isTranscript: Bool { body.contains { $0.0.hasPrefix("$ ") } }
    }

    /// Every fenced block of a Markdown document, with the marker comment just before it.
    static func fenced(in text: String) -> [Fenced] {
        let lines = text.components(separatedBy: "\n")
        var blocks: [Fenced] = []
        var index = 0
        var marker: String?
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("<!--") && line.hasSuffix("-->") {
                marker = line
                index += 1
                continue
            }
            if line.hasPrefix("```") {
                var body: [(String, Int)] = []
                index += 1
                while index < lines.count && !lines[index].hasPrefix("```") {
                    body.append((lines[index], index + 1))
                    index += 1
                }
                blocks.append(Fenced(language: String(line.dropFirst(3)), marker: marker, body: body, line: body.first?.1 ?? index))
            }
            if !line.isEmpty { marker = nil }
            index += 1
        }
        return blocks
    }

    /// The runnable blocks of a Markdown document, in order.
    static func blocks(in text: String, document: String) -> [RunnableBlock] {
        var blocks: [RunnableBlock] = []
        for block in fenced(in: text) {
            if block.marker == "<!-- runnable -->" {
                blocks.append(
                    block.isTranscript
                        ? transcript(block.body, document: document, line: block.line)
                        : RunnableBlock(document: document, line: block.line, commands: commands(block.body)))
            } else if block.marker == "<!-- output -->", !blocks.isEmpty {
                blocks[blocks.count - 1].expectedOutput += block.body.map(\.0).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            }
        }
        return blocks
    }

    /// The shell blocks (and transcripts) of a document marked neither runnable nor `not run: REASON`:
    /// their first lines.
    static func unmarked(in text: String) -> [Int] {
        fenced(in: text).filter { block in
            guard block.isShell else { return false }
            guard let marker = block.marker, marker != "<!-- runnable -->" else { return block.marker == nil }
            let reason = marker.hasPrefix("<!-- not run: ") ? marker.dropFirst(14).dropLast(3).trimmingCharacters(in: .whitespaces) : ""
            return reason.isEmpty
        }.map(\.line)
    }

    /// Whether a command line ends inside a quoted string (as bash reads quotes).
    private static func isOpen(_ command: String) -> Bool {
        var quote: Character?
        var escaped = false
        for character in command {
            if escaped {
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "#" {
                return false  // a comment: what follows is not shell
            }
        }
        return quote != nil
    }

    /// A transcript's commands (its `$` lines), each with the lines after it as output, checked together.
    private static func transcript(_ body: [(String, Int)], document: String, line: Int) -> RunnableBlock {
        var block = RunnableBlock(document: document, line: line, commands: [])
        for (text, number) in body {
            if text.hasPrefix("$ ") {
                block.commands.append((String(text.dropFirst(2)), nil, number))
            } else if !text.trimmingCharacters(in: .whitespaces).isEmpty && text.trimmingCharacters(in: .whitespaces) != "..." {
                block.expectedOutput.append(text)
            }
        }
        return block
    }

    /// Command lines (a trailing `\` joins the next), without blank and comment lines and the
    /// `alias evaldb=…` that points a reader at the build.
    private static func commands(_ body: [(String, Int)]) -> [(text: String, status: Int32?, line: Int)] {
        var result: [(text: String, status: Int32?, line: Int)] = []
        var pending = "", start = 0
        for (text, number) in body {
            if pending.isEmpty { start = number }
            if text.hasSuffix("\\") {
                pending += text.dropLast() + " "
                continue
            }
            // A quoted string over several lines (a query) goes on to its closing quote.
            if isOpen(pending + text) {
                pending += text + "\n"
                continue
            }
            let command = pending + text
            pending = ""
            let trimmed = command.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("alias evaldb=") { continue }
            var status: Int32 = 0
            if let range = command.range(of: #"\(exit (\d+)\)"#, options: .regularExpression) {
                status = Int32(command[range].filter(\.isNumber)) ?? 0
            }
            result.append((command, status, start))
        }
        return result
    }
}

@Suite("the docs' commands run as written")
struct DocsTests {
    /// README.md and every docs/*.md.
    static func documents() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: sources.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        return ["README.md"] + docs
    }

    @Test("the runner reads markers, continuation lines and promised exit statuses")
    func runnerReadsBlocks() {
        let text = """
            <!-- runnable -->
            ```sh
            alias evaldb=.build/debug/evaldb
            # a comment
            evaldb versions            # plain
            evaldb compare a b \\
              --budget 5               # (exit 3)
            ```
            <!-- output -->
            ```
            version 1
            ```
            ```sh
            not runnable
            ```
            """
        let blocks = RunnableBlock.blocks(in: text, document: "x.md")
        #expect(blocks.count == 1)
        #expect(blocks[0].commands.map(\.status) == [0, 3])
        #expect(blocks[0].commands[1].text.contains("--budget 5"))
        #expect(blocks[0].expectedOutput == ["version 1"])
        #expect(RunnableBlock.unmarked(in: text) == [14], "the block after the runnable one says neither")
    }

    @Test("a transcript's $ lines are its commands and the lines after them their output; a block that cannot run says why")
    func runnerReadsTranscriptsAndReasons() {
        let text = """
            <!-- runnable -->
            ```
            $ evaldb hash golden.jsonl
            sha256:3497797e
            $ sha256sum golden.jsonl
            3497797e  golden.jsonl
            ```

            <!-- not run: needs your production traces -->
            ```sh
            evaldb sample prod.jsonl --uniform 5
            ```

            <!-- not run: -->
            ```sh
            evaldb serve
            ```

            ```
            $ evaldb log a
            ```
            ```json
            {"id": "a"}
            ```
            """
        let blocks = RunnableBlock.blocks(in: text, document: "x.md")
        #expect(blocks.count == 1 && blocks[0].commands.map(\.text) == ["evaldb hash golden.jsonl", "sha256sum golden.jsonl"])
        #expect(blocks[0].commands.allSatisfy { $0.status == nil }, "a transcript shows output, whatever the status")
        #expect(blocks[0].expectedOutput == ["sha256:3497797e", "3497797e  golden.jsonl"])
        #expect(RunnableBlock.unmarked(in: text) == [16, 20], "a reason must be given; a transcript is a shell block too")
    }

    @Test("every shell block of README.md and docs/ is run, or its marker says why it cannot be", arguments: try documents())
    func everyShellBlockRunsOrSaysWhyNot(_ document: String) throws {
        let text = try String(contentsOf: sources.appendingPathComponent(document), encoding: .utf8)
        for line in RunnableBlock.unmarked(in: text) {
            Issue.record("\(document):\(line): a shell block neither <!-- runnable --> nor <!-- not run: REASON -->")
        }
    }

    @Test("every runnable block of README.md and docs/ runs in a fresh copy of the sample project", arguments: try documents())
    func runnableBlocksRun(_ document: String) throws {
        let text = try String(contentsOf: sources.appendingPathComponent(document), encoding: .utf8)
        let blocks = RunnableBlock.blocks(in: text, document: document)
        guard !blocks.isEmpty else { return }
        // A fresh git repository holding the sample project's evals/, with `evaldb` on PATH.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-docs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let project = folder + "/project", bin = folder + "/bin"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: sources.appendingPathComponent("evals").path, toPath: project + "/evals")
        try? FileManager.default.removeItem(atPath: project + "/evals/log")
        // Installed as a user installs it (script/install, README), the built binary in place of a
        // release build: the docs call `evaldb` from PATH, never through an alias.
        let installed = try CLI.execute(
            sources.appendingPathComponent("script/install").path, ["--from", CLI.binary, folder], in: folder)
        #expect(installed.status == 0, "script/install: \(installed.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/share/bash-completion/completions/evaldb"))
        #expect(FileManager.default.isExecutableFile(atPath: bin + "/evaldb-serve"), "evaldb serve runs it")
        let environment = [
            "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "EVALDB_DB": "",
            "GIT_AUTHOR_NAME": "docs", "GIT_AUTHOR_EMAIL": "docs@example.com", "GIT_COMMITTER_NAME": "docs",
            "GIT_COMMITTER_EMAIL": "docs@example.com", "USER": "docs",
        ]
        func shell(_ command: String) throws -> CLI.Result {
            try CLI.execute("/bin/bash", ["-c", command], in: project, stdin: Data(), environment: environment)
        }
        // The sample project as docs/tutorial.md's first block makes it: the dataset file not
        // committed yet, as a team starts, with a file.
        let committed = "evals/axes.json evals/runs evals/proposals evals/standin evals/judge"
        #expect(try shell("git init -q && git add \(committed) && git commit -q -m 'the sample project'").status == 0)
        for block in blocks {
            var output = ""
            for command in block.commands {
                let result = try shell(command.text)
                output += result.output
                guard let status = command.status else {
                    output += result.stderr  // a transcript shows what the terminal shows
                    continue
                }
                #expect(
                    result.status == status,
                    "\(document):\(command.line): `\(command.text)` exited \(result.status), the doc says \(status): \(result.stderr)")
            }
            for expected in block.expectedOutput {
                #expect(output.contains(expected), "\(document):\(block.line): the doc shows `\(expected)`; the commands printed:\n\(output)")
            }
        }
    }
}
