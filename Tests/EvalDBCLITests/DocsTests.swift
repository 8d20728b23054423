import Foundation
import Testing

private let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A shell block of a document marked `<!-- runnable -->`: its command lines, each with the exit
/// status its comment promises (`(exit N)`, else 0), and the output a following `<!-- output -->`
/// block shows.
struct RunnableBlock {
    var document: String
    var line: Int
    var commands: [(text: String, status: Int32, line: Int)]
    var expectedOutput: [String] = []

    /// The runnable blocks of a Markdown document, in order.
    static func blocks(in text: String, document: String) -> [RunnableBlock] {
        let lines = text.components(separatedBy: "\n")
        var blocks: [RunnableBlock] = []
        var index = 0
        var marker: String?
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            if line == "<!-- runnable -->" || line == "<!-- output -->" {
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
                if marker == "<!-- runnable -->" {
                    blocks.append(RunnableBlock(document: document, line: body.first?.1 ?? index, commands: commands(body)))
                } else if marker == "<!-- output -->", !blocks.isEmpty {
                    blocks[blocks.count - 1].expectedOutput += body.map(\.0).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                }
            }
            if !line.isEmpty { marker = nil }
            index += 1
        }
        return blocks
    }

    /// Command lines (a trailing `\` joins the next), without blank and comment lines and the
    /// `alias evaldb=…` that points a reader at the build.
    private static func commands(_ body: [(String, Int)]) -> [(text: String, status: Int32, line: Int)] {
        var result: [(text: String, status: Int32, line: Int)] = []
        var pending = "", start = 0
        for (text, number) in body {
            if pending.isEmpty { start = number }
            if text.hasSuffix("\\") {
                pending += text.dropLast() + " "
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
                #expect(
                    result.status == command.status,
                    "\(document):\(command.line): `\(command.text)` exited \(result.status), the doc says \(command.status): \(result.stderr)")
            }
            for expected in block.expectedOutput {
                #expect(output.contains(expected), "\(document):\(block.line): the doc shows `\(expected)`; the commands printed:\n\(output)")
            }
        }
    }
}
