import ArgumentParser
import EvalDBKit
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Review in the browser: the review loop as a local web page.",
        discussion: """
            Serves the queues of `review` (a slice, a run's failures or passes, what you have not \
            read, the proposals) with every reviewer's progress; one example a page, the \
            conversation as turns and the expected output beside the run's output, with its labels, \
            tags, note, expected output and failure category editable in place; the flips between two \
            runs and a run's top failure categories. Keyboard first, with the keys of `review` (? \
            lists them).

            It listens on 127.0.0.1 only (--host names another address) and prints its address \
            with a random token: open that address. Requests without the token, or addressed to \
            another host, or posted from another site, are refused. Read marks, failure categories \
            and decisions are saved as they are made, as `review` saves them; each reviewer's edits \
            become one dataset version when they finish their session (the q key) or when serve \
            stops (Ctrl-C). A serve that is killed is ended by the next `review` or `serve`.

            With --exec -- CMD ARGS, each example page can run its example through the system (the \
            x key: a POST, so the token and CSRF checks pass before anything runs), as `review --exec` \
            does, and shows the output and its grade beside the expected output (a slow system: the page \
            says it runs and refreshes until the output arrives); outputs are cached by input, context, \
            expected output and command. v / V give your verdict on an output; the outputs you ran and \
            your verdicts become a run of your own (notebook-REVIEWER-TIME) when your session finishes.

            Examples:
              evaldb serve
              evaldb serve --reviewer ana --open
              evaldb serve --port 0 --db .evaldb/evaldb.sqlite
              evaldb serve --exec --grade json-subset \\
                  -- python3 evals/standin/system.py candidate
            """)

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 8765

    @Option(help: "The IP address to listen on: one that browsers will use (not 0.0.0.0).")
    var host: String = "127.0.0.1"

    @Option(help: "Who reviews (default: git's user.name, else $USER); the page can name another.")
    var reviewer: String?

    @Flag(help: "Open the address in the default browser.")
    var open = false

    @Flag(help: "Let each example page run its example through the system (-- CMD ARGS), as review --exec does.")
    var exec = false

    @OptionGroup var system: SystemOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port takes 0 to 65535, found \(port)") }
        if exec {
            try system.requireCommand()
        } else if !system.command.isEmpty {
            throw ValidationError("a command after -- goes with --exec")
        }
    }

    func run() async throws {
        let who = reviewer ?? defaultUser()
        guard !who.isEmpty else { throw EvalDBError.emptyName(.reviewer) }
        let store = try database.open()
        var options = ServeOptions(databasePath: database.path, repository: database.repository, host: host, port: UInt16(port), reviewer: who)
        options.system = exec ? system.execOptions(name: "serve") : nil
        guard let serverType = ServeProgram.server else { throw EvalDBError.usage(ServeProgram.missing) }
        let server: any ReviewServing
        do {
            server = try serverType.init(options)
        } catch let error as ExecError {
            throw ValidationError(SystemOptions.describe(error))
        }
        let started: (url: String, resumed: [ReviewOutcome])
        do {
            started = try await server.start()
        } catch let error as EvalDBError {
            throw error
        } catch {
            throw EvalDBError.usage("cannot listen on \(host):\(port): \(error) (--port picks another port; --port 0 any free one)")
        }
        for outcome in started.resumed where outcome.edits > 0 || !outcome.conflicts.isEmpty {
            Review.printOutcome(outcome, store: store, resumed: true)
        }
        Review.recordInterruptedNotebooks(store)
        Output.stdout("evaldb serve: \(started.url)")
        Output.stdout("reviewing as \(Terminal.sanitized(who)); Ctrl-C stops, and each reviewer's edits become one version")
        if open { Self.openInBrowser(started.url) }

        // Until Ctrl-C or a TERM signal.
        var sources: [DispatchSourceSignal] = []
        let signals = AsyncStream<Int32> { continuation in
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                sources.append(source)
            }
        }
        for await _ in signals { break }
        let outcomes = await server.stop()
        var failed = false
        for outcome in outcomes {
            switch outcome {
            case .success(let outcome): Review.printOutcome(outcome, store: store, resumed: false)
            case .failure(let error):
                failed = true
                Output.error("a review session could not end (the next `evaldb review` or `serve` ends it): \(error)")
            }
        }
        for outcome in await server.finishNotebooks() {
            switch outcome {
            case .success(let notebook):
                Output.stdout(
                    "notebook of \(Terminal.sanitized(notebook.reviewer)): run \(Terminal.sanitized(notebook.run)), \(notebook.outputs) outputs shown, \(notebook.verdicts) verdicts"
                )
            case .failure(let error):
                failed = true
                Output.error("a notebook could not be recorded (the next `evaldb review` or `serve` records it): \(error)")
            }
        }
        sources.forEach { $0.cancel() }
        if failed { throw ExitCode(1) }
    }

    /// The system's way to open an address: `xdg-open` (Linux) or `open` (macOS); nothing when neither works.
    private static func openInBrowser(_ url: String) {
        for tool in ["/usr/bin/xdg-open", "/usr/bin/open"] where FileManager.default.isExecutableFile(atPath: tool) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = [url]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil { return }
        }
        Output.stderr("evaldb: could not open a browser: open the address above")
    }
}
