import ArgumentParser
import EvalDBKit
import Foundation

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Read every example, one at a time; note, label, tag, categorise failures, remove.",
        discussion: """
            Like `git add -p`: each example is shown with a prompt; one key acts on it (? lists them). \
            On a terminal a key acts at once; with standard input piped, each line is one action, the \
            key first and its text after it (`n reads well`, `l feature=refund-request`, `t -stale`), so a \
            session can be scripted. Read marks and failure categories are saved as they are made. \
            The session's edits become one new dataset version, authored by the reviewer, when it \
            ends, written back to the dataset file: commit it with the team log (evals/log/). A \
            session that is killed stays open (`evaldb status` shows it) until the next `review` of \
            anyone ends it.

            Keys: y (or Enter) read, next · s (or →) skip · b (or ←) back · n note · l label (key=value, \
            key:=JSON, -key) · t tag (tag, -tag) · f failure category (with --run; - clears) · \
            v verdict (with --run: pass or fail) · d remove the example · u undo this session's edits of \
            it · c show all context · q quit · ? help

            With --proposals: the queued proposals instead (see `evaldb propose`), each beside the \
            example it changes: a accept · l/t/n edit, then a to accept · r reject (with a reason) \
            · s skip · q quit.

            With --exec -- CMD ARGS (the notebook loop): each example shown is run through CMD as \
            `run exec` runs it (--grade, --judge, --timeout, --send) and its output shown below the \
            expected output with its grade; outputs are cached by input, context, expected output and \
            command, so going back runs nothing. v pass|fail gives your verdict; when the session ends \
            the outputs shown and your verdicts become a run of their own (--name).

            Examples:
              evaldb review --unread
              evaldb review --run candidate --failed --reviewer alice
              printf 'n wrong refund window\\nl scenario=edge-case\\ny\\nq\\n' \\
                  | evaldb review --where feature=refund-request
              evaldb review --proposals
              evaldb review --unread --exec --grade json-subset \\
                  -- python3 evals/standin/system.py candidate
            """)

    @Option(name: .customLong("run"), help: "Show this run's output, verdict and failure category; only its examples.")
    var runName: String?

    @Flag(help: "With --run: only the examples whose result failed.")
    var failed = false

    @OptionGroup var conditions: ConditionOptions

    @Flag(help: "Only the examples the reviewer has not read at their current revision.")
    var unread = false

    @Option(help: "Who reads (default: git's user.name, else $USER): read marks and the version's author.")
    var reviewer: String?

    @Flag(help: "Decide the queued proposals instead.")
    var proposals = false

    @Option(name: .shortAndLong, help: "The message of the version the session's edits make.")
    var message: String?

    @Flag(help: "Run each example shown through the system (-- CMD ARGS) and grade it: the notebook loop.")
    var exec = false

    @Option(name: .customLong("name"), help: "With --exec: the run the outputs shown and your verdicts become (default notebook-REVIEWER-TIME).")
    var notebookName: String?

    @OptionGroup var system: SystemOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard exec else {
            if !system.command.isEmpty { throw ValidationError("a command after -- goes with --exec") }
            if notebookName != nil { throw ValidationError("--name goes with --exec") }
            return
        }
        try system.requireCommand()
        if runName != nil || proposals { throw ValidationError("--exec runs the system as you read; it goes without --run and --proposals") }
    }

    func run() throws {
        let store = try database.open()
        let who = reviewer ?? defaultUser()
        let chosenRun = try runName.map { try store.run(named: $0) }
        if failed && chosenRun == nil { throw ValidationError("--failed needs --run RUN") }
        let conditions = try self.conditions.parsed()

        let (session, resumed) = try ReviewSession.start(store, reviewer: who, run: chosenRun)
        for outcome in resumed where outcome.edits > 0 || !outcome.conflicts.isEmpty {
            Self.printOutcome(outcome, store: store, resumed: true)
        }
        Self.recordInterruptedNotebooks(store)
        let input = ReviewInput()
        ReviewInput.restoreTerminalOnInterrupt()
        var notebook: Notebook?
        if exec {
            var options = system.execOptions(name: notebookName ?? Self.notebookName(who))
            options.gitCommit = Git.headDescription()
            do {
                notebook = try Notebook(store: store, options: options, reviewer: who)
            } catch let error as ExecError {
                _ = try? session.finish(message: message)
                throw ValidationError(SystemOptions.describe(error))
            }
        }
        do {
            if proposals {
                try ProposalLoop(session: session, input: input, screen: .forOutput()).run()
            } else {
                let queue = try session.queue(where: conditions, unreadOnly: unread, failedOnly: failed)
                try ReviewLoop(session: session, ids: queue, input: input, screen: .forOutput(), notebook: notebook).run()
            }
        } catch {
            // What was done before the error is kept: the session ends as on `q`.
            _ = try? session.finish(message: message)
            _ = try? notebook?.finish(in: store)
            throw error
        }
        if let notebook, let (run, verdicts) = try notebook.finish(in: store) {
            Output.stdout(
                "notebook: run \(Terminal.sanitized(run.run.name)): \(run.run.resultCount) outputs shown, \(verdicts) verdicts of yours on them"
                    + (verdicts > 0
                        ? " (`evaldb judge calibrate --judge \(Terminal.sanitized(run.run.name)) --human \(Terminal.sanitized(run.run.name))` with a judge)"
                        : ""))
        }
        Self.printOutcome(try session.finish(message: message), store: store, resumed: false)
    }

    /// The notebooks of interrupted `--exec` sessions (anyone's), recorded as their runs first.
    static func recordInterruptedNotebooks(_ store: Store) {
        do {
            for (reviewer, recorded, verdicts) in try Notebook.recordInterrupted(store) {
                Output.stdout(
                    "recorded the notebook of an interrupted review session of \(Terminal.sanitized(reviewer)): run \(Terminal.sanitized(recorded.run.name)), "
                        + "\(recorded.run.resultCount) outputs shown, \(verdicts) verdicts")
            }
        } catch {
            Output.stderr(
                "evaldb: warning: the notebook of an interrupted review session could not be recorded: \((error as? EvalDBError).map(Messages.describe) ?? String(describing: error))"
            )
        }
    }

    /// `notebook-REVIEWER-20261206T101500Z`: a run name of its own for a notebook session.
    static func notebookName(_ reviewer: String) -> String { Notebook.defaultRunName(reviewer) }

    /// What a session made, and the reminder to write the file back.
    static func printOutcome(_ outcome: ReviewOutcome, store: Store, resumed: Bool) {
        let who = Terminal.sanitized(outcome.reviewer)
        let prefix = resumed ? "ended an interrupted review session of \(who): " : "review ended: "
        for conflict in outcome.conflicts {
            Output.stderr("evaldb: warning: the edit of \(Terminal.sanitized(conflict.id)) was not applied: \(conflict.reason)")
        }
        if let result = outcome.result, result.outcome == .created {
            let version = result.version
            let c = result.counts
            Output.stdout(prefix + "version \(version.number)  \(version.hash)  (author \(who))")
            Output.stdout("\(version.exampleCount) examples: \(c.added) added, \(c.changed) changed, \(c.removed) removed")
            if let written = outcome.wroteFile {
                Output.stdout("wrote version \(version.number) to \(version.sourcePath ?? written): commit it with the team log (evals/log/)")
            } else {
                let file = version.sourcePath ?? "FILE"
                Output.stdout("the dataset file is behind the database now: run `evaldb export -o \(file)` and commit it")
            }
        } else {
            Output.stdout(prefix + (outcome.edits == 0 ? "no edits, no new version" : "the edits change nothing; no new version"))
        }
        if !resumed, let progress = try? store.readProgress().first(where: { $0.reviewer == outcome.reviewer }) {
            Output.stdout("read by \(who): \(progress.read) of \(progress.total) examples (\(Int((progress.share * 100).rounded(.down)))%)")
        }
    }
}

/// The loop over the examples of a review session.
struct ReviewLoop {
    let session: ReviewSession
    let ids: ReviewQueue
    let input: ReviewInput
    let screen: ExampleScreen
    /// With `review --exec`: the system each example is run through as it is shown.
    var notebook: Notebook? = nil

    static let help = """
        y, Enter  mark read and go on        s  skip (leave unread)       b  back
        n TEXT    set the note (- clears)    l key=value | key:=JSON | -key   set or remove a label
        o JSON    set the expected output (a text "in quotes")
        t TAG     add a tag (-TAG removes)   f CATEGORY  failure category of the run's result (- clears)
        v pass|fail [TRIAL]   your verdict on the run's result (every trial unless TRIAL)
        d         remove the example         u  undo this session's edits of the example
        c         show all the context       q  quit (edits are kept)      ?  this help
        On a terminal, the arrow → skips as s does and ← goes back as b does.
        """

    func run() throws {
        guard !ids.isEmpty else {
            Output.stdout("nothing to review: no example matches")
            return
        }
        var index = 0
        var unfolded = false
        var redraw = true
        while index < ids.count {
            let id = ids[index]
            if redraw {
                let example = try session.example(id)
                let lines = screen.lines(example, position: index + 1, of: ids.count, run: session.run?.name, unfolded: unfolded)
                if let notebook, let record = example.record {
                    // A slow system: the example at once, its output when it arrives.
                    if input.interactive && Output.standardOutputIsTerminal && !notebook.isCached(record) {
                        show(lines + [screen.paint("system output: running…", "2")])
                    }
                    show(lines + notebookLines(notebook.result(of: record)))
                } else {
                    show(lines)
                }
            }
            let keys =
                session.run == nil && notebook == nil
                ? "y,s,b,n,l,t,d,u,c,q,?" : session.run == nil ? "y,s,b,n,l,t,v,d,u,c,q,?" : "y,s,b,n,l,t,f,v,d,u,c,q,?"
            let prompt = screen.paint("[\(index + 1)/\(ids.count)] \(keys) > ", "34")
            guard let (key, argument) = input.action(prompt: prompt, arrows: [.right: "s", .left: "b"]) else { break }
            func text(_ prompt: String) -> String? {
                guard let typed = input.text(after: argument, prompt: prompt), !typed.isEmpty else {
                    Output.stdout(screen.paint("  \(quotedKey(key)) needs its text (`\(key) TEXT` on one line); nothing changed", "33"))
                    return nil
                }
                return typed
            }
            let outcome = try KeyOutcome.after(key, help: Self.help, screen: screen) {
                switch key {
                case "y", "\n", "\r", " ":
                    try session.markRead(id)
                    index += 1
                    unfolded = false
                case "s":
                    index += 1
                    unfolded = false
                case "b":
                    index = max(0, index - 1)
                case "n", "l", "t", "o":
                    guard let typed = text(ExampleEdit.prompts[key]!) else { break }
                    let edit = try ExampleEdit(key: key, text: typed)
                    try session.edit(id, edit)
                    confirm(key == "n" ? "note saved" : key == "o" ? "expected output saved" : "\(edit.summary) saved")
                case "f":
                    guard session.run != nil else { throw EvalDBError.usage("f sets a run's failure category: start with --run RUN") }
                    guard let category = text("failure category (- clears): ") else { break }
                    try session.setFailure(id, category: category == "-" ? nil : category)
                    confirm("failure category saved")
                case "v":
                    guard session.run != nil || notebook != nil else { throw EvalDBError.verdictNeedsRun }
                    guard let typed = text("verdict (pass or fail, then a trial if not all): ") else { break }
                    try setVerdict(id, typed)
                case "d":
                    try session.remove(id)
                    confirm("removed: it leaves the dataset when the session ends")
                    index += 1
                case "u":
                    try session.undo(id)
                    confirm("this session's edits of it are undone")
                case "c":
                    unfolded = true
                default:
                    return nil
                }
                return .show
            }
            if outcome == .quit { return }
            // Piped, a transcript: an edit confirms in a line instead of showing the example again.
            redraw = outcome == .show && (input.interactive || !["n", "l", "t", "o", "f", "v"].contains(key))
        }
        if index >= ids.count { Output.stdout("end of the queue: \(ids.count) example\(ids.count == 1 ? "" : "s")") }
    }

    /// `v TEXT`: pass or fail (p, f), then a trial number when not every trial.
    private func setVerdict(_ id: String, _ typed: String) throws {
        let words = typed.lowercased().split(separator: " ")
        guard let word = words.first, ["pass", "p", "fail", "f"].contains(word), words.count <= 2, words.count == 1 || Int(words[1]) != nil
        else {
            Output.stdout(screen.paint("  v takes pass or fail, then a trial number if not every trial; nothing changed", "33"))
            return
        }
        if let notebook {
            notebook.setVerdict(id, pass: word.hasPrefix("p"))
            confirm("verdict kept: \(word.hasPrefix("p") ? "pass" : "fail") (on run \(Terminal.sanitized(notebook.runName)) when the session ends)")
            return
        }
        try session.setVerdict(id, pass: word.hasPrefix("p"), trial: words.count == 2 ? Int(words[1]) : nil)
        confirm("verdict saved: \(word.hasPrefix("p") ? "pass" : "fail")")
    }

    /// The system's output for the example on screen and its grade.
    private func notebookLines(_ result: SystemResult?) -> [String] {
        guard let result else { return [screen.paint("system output: the example cannot be read", "31")] }
        var lines = [screen.bold("system output") + screen.paint("  \(result.latencyMs) ms\(result.cached ? ", cached" : "")", "2")]
        lines += result.output.map { screen.render($0) } ?? ["  (none)"]
        var grade: String
        if let error = result.error {
            grade = screen.paint("ERROR", "33") + "  " + Terminal.sanitized(error)
        } else {
            grade = result.pass == true ? screen.paint("PASS", "32") : screen.paint("FAIL", "31")
            if let rationale = result.rationale, result.pass != true { grade += "  why: " + Terminal.sanitized(rationale) }
        }
        return lines + [screen.bold("grade") + ": " + grade]
    }

    private func confirm(_ text: String) {
        Output.stdout(screen.paint("  \(text)", "32"))
        if input.interactive { Thread.sleep(forTimeInterval: 0.3) }
    }

    /// On a terminal, a new screen for each example, page by page when it is taller than the
    /// terminal: space or Enter shows the next page, any other key stops paging and acts.
    private func show(_ lines: [String]) {
        guard input.interactive && Output.standardOutputIsTerminal else {
            Output.stdout(lines.joined(separator: "\n"))
            return
        }
        Output.stdout("\u{1B}[H\u{1B}[2J", terminator: "")
        let height = max(5, (Output.terminalHeight ?? 40) - 2)
        var shown = 0
        while lines.count - shown > height {
            Output.stdout(lines[shown..<shown + height].joined(separator: "\n"))
            shown += height
            Output.stdout(screen.paint("-- more (\(lines.count - shown) lines): space for the next page, or a key to act --", "7"), terminator: "")
            let key = input.key()
            Output.stdout("\r\u{1B}[K", terminator: "")
            guard let key, key == .character(" ") || key == .character("\n") || key == .character("\r") else {
                input.pending = key
                return
            }
        }
        Output.stdout(lines[shown...].joined(separator: "\n"))
    }
}

func quotedKey(_ key: Character) -> String {
    key.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) ? "'\(key)'" : "0x" + String(key.unicodeScalars.first!.value, radix: 16)
}
