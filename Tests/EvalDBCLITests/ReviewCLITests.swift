import Foundation
import Testing

/// The sample dataset and runs of the repository.
private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Each line of a JSONL text as a dictionary, decoded by Foundation.
private func objects(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
}

/// A CLI folder with the sample dataset copied in as golden.jsonl, imported, and the sample
/// candidate run recorded against it.
private func sampleReview() throws -> CLI {
    let cli = try CLI()
    try FileManager.default.copyItem(
        atPath: repository.appendingPathComponent("evals/data/v0/golden.jsonl").path,
        toPath: cli.folder + "/golden.jsonl")
    #expect(try cli.run(["import", "golden.jsonl", "--author", "setup"]).status == 0)
    let recorded = try cli.run([
        "run", "record", repository.appendingPathComponent("evals/runs/candidate.jsonl").path,
        "--name", "candidate", "--dataset-file", "golden.jsonl",
    ])
    #expect(recorded.status == 0, "\(recorded.stderr)")
    return cli
}

@Suite("review and propose, driven as a user drives them")
struct ReviewCLITests {
    @Test("piped review: a note, a label, a tag, a removal and a failure category make one version that export writes")
    func pipedSession() throws {
        let cli = try sampleReview()
        defer { cli.cleanUp() }
        let original = try objects(String(decoding: try cli.read("golden.jsonl"), as: UTF8.self))
        let script = """
            n bot must ask for the party size
            l scenario=underspecified
            t needs-venue
            f asked-nothing
            y
            d
            y
            q

            """
        let session = try cli.run(["review", "--run", "candidate", "--reviewer", "rita"], stdin: Data(script.utf8))
        #expect(session.status == 0, "\(session.stderr)")
        #expect(session.output.contains("── 1/42  booking-lookup-001"))
        #expect(session.output.contains("run candidate: "))
        #expect(session.output.contains("review ended: version 2"))
        #expect(session.output.contains("wrote version 2 to golden.jsonl"), "the file was in sync: it is written back")

        let versions = try objects(try cli.run(["versions", "--format", "jsonl"]).output)
        #expect(versions.count == 2)
        #expect(versions.last?["author"] as? String == "rita")

        // The file written back is the sample with exactly these edits, by an independent reading (Foundation).
        let exported = try objects(String(decoding: try cli.read("golden.jsonl"), as: UTF8.self))
        var expected = original
        var first = expected[0]
        first["notes"] = "bot must ask for the party size"
        var labels = first["labels"] as! [String: Any]
        labels["scenario"] = "underspecified"
        labels["tags"] = (labels["tags"] as! [String]) + ["needs-venue"]
        first["labels"] = labels
        expected[0] = first
        expected.remove(at: 1)
        #expect(exported.count == expected.count)
        for (a, b) in zip(exported, expected) { #expect(NSDictionary(dictionary: a).isEqual(to: b), "\(a["id"] ?? "?")") }
        #expect(try cli.run(["validate", "--canonical", "golden.jsonl"]).status == 0)

        // Read progress: the edited example (at its new revision) and the third one.
        let status = try cli.run(["status"])
        #expect(status.output.contains("read by rita: 2 of 41 (4%)"), "\(status.output)")
        // The failure category set in review is the run's now.
        #expect(try cli.run(["report", "candidate"]).output.contains("asked-nothing"))
        // The next --unread session starts after what was read.
        let next = try cli.run(["review", "--unread", "--reviewer", "rita"], stdin: Data("q\n".utf8))
        #expect(next.output.contains("/39  "))
    }

    @Test("piped, a key that needs text and has none on its line says so, changes nothing, and leaves the next line to be the next action")
    func keyWithoutTextChangesNothing() throws {
        let cli = try sampleReview()
        defer { cli.cleanUp() }
        let before = try cli.run(["report", "candidate"]).output
        let session = try cli.run(["review", "--run", "candidate", "--reviewer", "rita"], stdin: Data("t\ny\nn\nf\nl\ny\nq\n".utf8))
        #expect(session.status == 0, "\(session.stderr)")
        #expect(session.output.components(separatedBy: "needs its text").count - 1 == 4, "\(session.output)")
        #expect(session.output.contains("no edits, no new version"), "\(session.output)")
        #expect(try cli.run(["status"]).output.contains("read by rita: 2 of 42"), "both y lines were actions")
        #expect(try cli.run(["report", "candidate"]).output == before, "f with no category left the recorded one")
        #expect(try cli.run(["versions", "--format", "jsonl"]).output.split(separator: "\n").count == 1)
    }

    @Test(
        "a review killed midway keeps what was saved: status shows the session open (who, since when), and another reviewer's next review makes it a version"
    )
    func killedSession() throws {
        let cli = try sampleReview()
        defer { cli.cleanUp() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["review", "--reviewer", "kim"]
        process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
        process.environment = ProcessInfo.processInfo.environment.merging(["EVALDB_DB": cli.database]) { $1 }
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("l persona=night-owl\ny\nn second one\n".utf8))
        // Wait until both edits are confirmed, then kill it without warning.
        var seen = Data()
        while String(decoding: seen, as: UTF8.self).components(separatedBy: "saved").count < 3 {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        // While it runs, status shows it open and running.
        let running = try cli.run(["status"]).output
        #expect(running.contains("review session of kim open since 20") && running.contains(": 2 pending edits; still running"), "\(running)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try objects(try cli.run(["versions", "--format", "jsonl"]).output).count == 1)
        // Killed, as a crash leaves it: open, its process gone, and status says who ends it.
        let open = try cli.run(["status"]).output
        #expect(open.contains("review session of kim open since 20") && open.contains("its process is gone"), "\(open)")
        #expect(open.contains("the next `evaldb review` (anyone's) ends it"), "\(open)")
        let json = try #require(try objects(try cli.run(["status", "--format", "jsonl"]).output).first)
        let sessions = try #require(json["open_sessions"] as? [[String: Any]])
        #expect(sessions.count == 1 && sessions[0]["reviewer"] as? String == "kim" && sessions[0]["running"] as? Bool == false, "\(sessions)")
        #expect(sessions[0]["pending_edits"] as? Int == 2 && (sessions[0]["since"] as? String)?.hasSuffix("Z") == true, "\(sessions)")

        // Another reviewer's review ends it.
        let next = try cli.run(["review", "--reviewer", "lee"], stdin: Data("q\n".utf8))
        #expect(next.output.contains("ended an interrupted review session of kim: version 2"), "\(next.output)")
        #expect(!(try cli.run(["status"]).output.contains("review session of")), "no session is open any more")
        #expect(try cli.run(["show", "booking-lookup-001"]).output.contains(#""persona": "night-owl""#))
        #expect(try cli.run(["show", "booking-lookup-002"]).output.contains(#""notes": "second one""#))
        #expect(try cli.run(["status"]).output.contains("read by kim: 1 of 42"))
        #expect(try cli.run(["verify"]).status == 0)
    }

    @Test("in a terminal, one key acts without Enter, the screen is cleared and coloured, and prompts read a line")
    func terminalSession() throws {
        let cli = try sampleReview()
        defer { cli.cleanUp() }
        let (process, screen) = try TerminalScreen.run(cli, ["review", "--reviewer", "tess"], rows: 30, columns: 100)
        #expect(screen.wait(for: "[1/42]"))
        screen.type("y")  // no Enter: a key acts at once
        #expect(screen.wait(for: "[2/42]"))
        screen.type("n")
        #expect(screen.wait(for: "note (- clears): "))
        screen.type("typed in a terminal\n")
        #expect(screen.wait(for: "note saved"))
        #expect(screen.quit(process, after: "read by tess") == 0)
        let text = screen.text
        #expect(text.contains("\u{1B}[H\u{1B}[2J"), "each example on a cleared screen")
        #expect(text.contains("\u{1B}[1m── 1/42  booking-lookup-001"), "the header in bold")
        #expect(text.contains("review ended: version 2"))
        #expect(try cli.run(["show", "booking-lookup-002"]).output.contains(#""notes": "typed in a terminal""#))
    }

    @Test("in a terminal, an arrow is one key: → goes on as s does, ← back as b does, ↑ says once that it does nothing")
    func arrowKeys() throws {
        let cli = try sampleReview()
        defer { cli.cleanUp() }
        let (process, screen) = try TerminalScreen.run(cli, ["review", "--reviewer", "tess"], rows: 30, columns: 100)
        #expect(screen.wait(for: "[1/42]"))
        screen.type("\u{1B}[C")  // → as a terminal sends it: three bytes at once
        #expect(screen.wait(for: "[2/42]"))
        screen.type("\u{1B}[C")
        #expect(screen.wait(for: "[3/42]"))
        screen.type("\u{1B}[D")  // ←
        #expect(screen.wait(for: "── 2/42", count: 2))
        screen.type("\u{1B}[A")  // ↑
        #expect(screen.wait(for: "does nothing here"))
        screen.type("\u{1B}[15~")  // F5
        #expect(screen.wait(for: "does nothing here", count: 2))
        #expect(screen.quit(process, after: "review ended") == 0)
        let text = screen.text
        #expect(!text.contains("unknown key"), "no byte of a sequence taken for a key of its own: \(text)")
        #expect(text.components(separatedBy: "the arrow ↑ does nothing here (← is b, → is s); ? lists the keys").count == 2, "one line: \(text)")
        #expect(text.contains("the key that sends ESC [15~ does nothing here"), "\(text)")
        #expect(try cli.run(["status"]).output.contains("read: nobody has reviewed"), "→ skipped without marking read")
    }

    @Test("in a terminal, long context is folded, c unfolds it, and a screen taller than the terminal is paged")
    func terminalPaging() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let chunks = (1...60).map { "\"chunk \($0)\"" }.joined(separator: ", ")
        try cli.write("g.jsonl", record("tall").replacingOccurrences(of: #""context": null"#, with: #""context": [\#(chunks)]"#) + record("next"))
        #expect(try cli.run(["import", "g.jsonl"]).status == 0)
        let (process, screen) = try TerminalScreen.run(cli, ["review", "--reviewer", "tess"], rows: 24, columns: 80)
        #expect(screen.wait(for: "52 more lines of context (c shows them)"))
        #expect(!screen.text.contains("chunk 9\r\n"))
        screen.type("c")
        #expect(screen.wait(for: "-- more ("), "the unfolded example is taller than 24 rows")
        #expect(screen.text.contains("chunk 9"))
        screen.type(" ")
        #expect(screen.wait(for: "chunk 30"))
        screen.type("y")  // not for the pager: it stops paging and marks the example read
        #expect(screen.wait(for: "── 2/2  next"))
        #expect(screen.quit(process, after: "read by tess") == 0)  // the last line it prints
        #expect(try cli.run(["status"]).output.contains("read by tess: 1 of 2"))
    }

    @Test("the sample proposals of the README queue against the sample dataset, none skipped")
    func sampleProposals() throws {
        let cli = try sampleReview()
        defer { cli.cleanUp() }
        let queued = try cli.run(["propose", repository.appendingPathComponent("evals/proposals/gpt-x.jsonl").path])
        #expect(queued.status == 0, "\(queued.stderr)")
        #expect(queued.output.contains("queued 3 proposals (1 new example, 2 label changes); skipped 0"), "\(queued.output)")
        let session = try cli.run(["review", "--proposals", "--reviewer", "pat"], stdin: Data("a\na\na\n".utf8))
        #expect(session.output.contains("43 examples: 1 added, 2 changed, 0 removed"), "\(session.output)")
    }

    @Test("both review loops end a key alike: ? prints the help, an unknown key says so, an error is printed, each keeping the screen; q quits")
    func sharedKeys() throws {
        let cli = try sampleReview()
        defer { cli.cleanUp() }
        try cli.write("proposals.jsonl", #"{"id": "booking-lookup-001", "labels": {"scenario": "underspecified"}, "proposed_by": "gpt-x"}"# + "\n")
        #expect(try cli.run(["propose", "proposals.jsonl"]).status == 0)
        let script = Data("?\nz\nl =x\nq\n".utf8)
        for (arguments, header, help, end) in [
            (["review"], "── 1/42  booking-lookup-001", "y, Enter  mark read and go on", "end of the queue"),
            (["review", "--proposals"], "── proposal 1/1", "a         accept (with the edits made)", "end of the proposals"),
        ] {
            let session = try cli.run(arguments + ["--reviewer", "pat"], stdin: script)
            let text = session.output
            #expect(session.status == 0, "\(arguments): \(session.stderr)")
            #expect(text.contains(help), "\(arguments): \(text)")
            #expect(text.contains("unknown key 'z'; ? lists the keys"), "\(arguments): \(text)")
            #expect(text.contains("evaldb: a label needs a key before ="), "\(arguments): \(text)")
            #expect(text.components(separatedBy: header).count == 2, "shown once: no key redrew it: \(arguments): \(text)")
            #expect(!text.contains(end) && text.contains("review ended: no edits, no new version"), "q quit: \(arguments): \(text)")
        }
        #expect(try cli.run(["versions", "--format", "jsonl"]).output.split(separator: "\n").count == 1)
    }

    @Test("propose then review --proposals: accept, edit and accept, reject; the rejected one is skipped when proposed again")
    func proposalsThroughTheCommandLine() throws {
        let cli = try sampleReview()
        defer { cli.cleanUp() }
        try cli.write(
            "proposals.jsonl",
            """
            {"id": "booking-lookup-001", "labels": {"scenario": "underspecified"}, "proposed_by": "gpt-x"}
            {"id": "booking-lookup-004", "labels": {"persona": "group-organiser"}, "proposed_by": "gpt-x"}
            {"id": "booking-lookup-002", "labels": {"persona": "troll"}, "proposed_by": "gpt-x"}

            """)
        let queued = try cli.run(["propose", "proposals.jsonl"])
        #expect(queued.output.contains("queued 3 proposals"), "\(queued.output) \(queued.stderr)")
        let session = try cli.run(
            ["review", "--proposals", "--reviewer", "pat"],
            stdin: Data("a\nl persona=event-planner\na\nr not a persona we serve\n".utf8))
        #expect(session.status == 0, "\(session.stderr)")
        #expect(session.output.contains("- \"ambiguous-query\"") && session.output.contains("+ \"underspecified\""), "a diff of the labels")
        #expect(try cli.run(["show", "booking-lookup-001"]).output.contains(#""scenario": "underspecified""#))
        #expect(try cli.run(["show", "booking-lookup-004"]).output.contains(#""persona": "event-planner""#))
        #expect(!(try cli.run(["show", "booking-lookup-002"]).output.contains("troll")))
        let again = try cli.run(["propose", "proposals.jsonl"])
        #expect(again.output.contains("queued 0 proposals"))
        #expect(again.stderr.contains("proposals.jsonl:3: skipped booking-lookup-002: rejected before"))
        #expect(again.stderr.contains("not a persona we serve"))
    }
}

/// The primary side of a pseudo-terminal: what the program wrote, and typing into it.
final class TerminalScreen {
    private let descriptor: Int32
    private var bytes: [UInt8] = []

    init(_ descriptor: Int32) { self.descriptor = descriptor }

    /// Starts `evaldb ARGUMENTS` in the CLI's folder on a new pseudo-terminal of this size (its
    /// standard input, output and error), with colours allowed unless `environment` says otherwise.
    static func run(_ cli: CLI, _ arguments: [String], rows: UInt16, columns: UInt16, environment: [String: String] = [:]) throws -> (
        Process, TerminalScreen
    ) {
        var primary: Int32 = 0, secondary: Int32 = 0
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&primary, &secondary, nil, nil, &size) == 0 else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cli.folder)
        process.environment = ProcessInfo.processInfo.environment.merging(["EVALDB_DB": cli.database, "TERM": "xterm"]) { $1 }
            .filter { $0.key != "NO_COLOR" }.merging(environment) { $1 }
        let terminal = FileHandle(fileDescriptor: secondary, closeOnDealloc: false)
        process.standardInput = terminal
        process.standardOutput = terminal
        process.standardError = terminal
        try process.run()
        Glibc.close(secondary)
        return (process, TerminalScreen(primary))
    }

    func close() { Glibc.close(descriptor) }

    /// Types `q`, waits for the last line the session prints, closes the terminal and gives the
    /// process's exit status (-1 when that line never came).
    func quit(_ process: Process, after lastLine: String) -> Int32 {
        type("q")
        let ended = wait(for: lastLine)
        close()
        process.terminateIfRunning(after: 10)
        return ended ? process.terminationStatus : -1
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    func type(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, text.utf8.count) }
    }

    /// Reads until `needle` has appeared `count` times in all that was read, or 20 s pass.
    func wait(for needle: String, count: Int = 1) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        func found() -> Bool { text.components(separatedBy: needle).count - 1 >= count }
        while Date() < deadline {
            if found() { return true }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) >= 0 else { return false }
            if poller.revents & Int16(POLLIN) != 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let read = Glibc.read(descriptor, &buffer, buffer.count)
                if read <= 0 { return found() }
                bytes += buffer[0..<read]
            } else if poller.revents != 0 {
                return found()
            }
        }
        return found()
    }
}

extension Process {
    /// Waits for the process, killing it if it is still running after `seconds`: a test that
    /// drives a terminal must fail, not hang, when the program waits for a key it will not get.
    func terminateIfRunning(after seconds: Double) {
        if !waitForExit(within: seconds) { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }
}
