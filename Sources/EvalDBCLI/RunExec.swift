import ArgumentParser
import EvalDBKit
import Foundation

extension Run {
    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exec",
            abstract: "Run each example through a command, grade its output, and record the run.",
            discussion: """
                Each example of the current version (or of the --where slice) goes to CMD as its canonical \
                record, one JSON line on standard input, with EVALDB_ID and EVALDB_TRIAL in the environment; \
                what CMD prints is the output (JSON when it parses as JSON, else text). No shell ever sees \
                an example. --worker starts one long-lived CMD per job instead, which reads records as JSONL \
                and prints one line per record. Outputs are graded (--grade exact, json-subset, contains, \
                regex or regex:PATTERN; or --judge -- JUDGE ARGS -- CMD ARGS, a judge command that reads \
                {input, output, expected_output} and prints {"pass": ..., "rationale": ...}) and recorded \
                as a run pinned to the dataset hash, as `run record` records a file.

                A command that exits non-zero, times out (--timeout, then killed with what it started) or \
                prints what cannot be recorded is an error, not a fail: recorded with the tail of its \
                standard error, left out of pass rates, re-run with --only errors --from RUN. --retries R \
                tries again with backoff. Each finished result is kept under .evaldb/exec/ as it finishes: \
                after Ctrl-C or a kill, the same command with --resume finishes the same run. Results are \
                in dataset order whatever --jobs. --reuse RUN takes RUN's results for examples whose input, \
                context and expected output are unchanged (RUN made by the same command and grader). With \
                --compare BASE --budget PTS, the run is then compared with BASE as `compare` does: exit 0 \
                pass, 1 regression, 3 inconclusive. docs/run.md has the protocol.

                Examples:
                  evaldb run exec --name baseline -- python3 evals/system.py
                  evaldb run exec --name cand --jobs 8 --timeout 30s --retries 2 \\
                      --grade json-subset -- python3 evals/system.py --candidate
                  evaldb run exec --name cand-2 --reuse cand -- python3 evals/system.py \\
                      --candidate
                  evaldb run exec --name "$SHA" --compare baseline --budget 2 \\
                      --junit gate.xml -- python3 evals/system.py
                  evaldb run exec --name judged --judge -- python3 evals/judge.py \\
                      -- python3 evals/system.py
                """)

        @Option(help: "The run's name (unique).")
        var name: String

        @OptionGroup var conditions: ConditionOptions

        @Option(help: "Run each example this many times (trials 0, 1, ...).")
        var trials = 1

        @Option(help: "Examples run at once (with --worker: worker processes).")
        var jobs = 4

        @Flag(help: "Finish the interrupted run of this name (the same command and options).")
        var resume = false

        @Option(
            help: "Take this run's results for examples whose input, context and expected output are unchanged.", completion: Completions.runNames)
        var reuse: String?

        @Option(help: "Run only the examples that failed, or errored, in the run given by --from (failed or errors).")
        var only: String?

        @Option(help: "The run whose failures or errors --only runs again.", completion: Completions.runNames)
        var from: String?

        @Flag(help: "One long-lived CMD per job, reading records as JSONL and printing one line per record.")
        var worker = false

        @Option(help: "Then compare the run with this base run (the CI gate).", completion: Completions.runNames)
        var compare: String?

        @Option(parsing: .unconditional, help: "With --compare: the regression budget, in points.")
        var budget: Double?

        @Option(help: "With --compare: also write the gate as a JUnit XML report to this file.")
        var junit: String?

        @Option(name: .customLong("meta"), help: "K=V to keep with the run (model, prompt version, ...); repeatable.")
        var meta: [String] = []

        @OptionGroup var system: SystemOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var format: FormatOptions

        func validate() throws {
            try system.requireCommand()
            guard trials >= 1 else { throw ValidationError("--trials must be 1 or more") }
            guard jobs >= 1 else { throw ValidationError("--jobs must be 1 or more") }
            if let only, RerunFilter(rawValue: only) == nil { throw ValidationError("--only is failed or errors, found \(only)") }
            guard (only == nil) == (from == nil) else { throw ValidationError("--only failed|errors goes with --from RUN") }
            if compare == nil && (budget != nil || junit != nil) { throw ValidationError("--budget and --junit go with --compare BASE") }
            if let budget { try validateBudget(budget) }
            for pair in meta {
                guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("--meta takes K=V, found \(pair)") }
                let key = String(pair[..<equals])
                if ExecOptions.metaKeys.contains(key) { throw ValidationError("--meta \(key) is set by run exec itself") }
            }
        }

        func run() throws {
            let store = try database.open()
            var options = system.execOptions(name: name)
            options.worker = worker
            options.conditions = try conditions.parsed()
            options.trials = trials
            options.jobs = jobs
            options.reuse = reuse
            options.only = only.flatMap(RerunFilter.init(rawValue:))
            options.onlyFrom = from
            options.resume = resume
            options.meta = meta.map { pair in
                let equals = pair.firstIndex(of: "=")!
                return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
            }
            options.author = defaultUser()
            options.gitCommit = Git.headDescription()

            // The run is of the database's current version: say so when the dataset file holds another.
            if !resume, let current = try store.currentVersion(), let path = current.sourcePath,
                FileManager.default.fileExists(atPath: store.openablePath(path)),
                (try? store.compare(file: store.openablePath(path)))?.state(against: current) == .differs
            {
                Output.stderr(
                    "evaldb: warning: \(path) differs from the current version \(current.number), which the run uses; `evaldb import \(path)` first runs what the file holds"
                )
            }
            let cancellation = ExecCancellation()
            let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { cancellation.cancel() }
                source.resume()
                return source
            }
            defer { signals.forEach { $0.cancel() } }
            let progress = ExecProgressLine(name: name)
            let outcome: ExecOutcome
            do {
                outcome = try store.exec(options, cancellation: cancellation) { progress.show($0) }
            } catch let error as ExecError {
                progress.finish()
                throw ValidationError(SystemOptions.describe(error))
            }
            progress.finish()
            guard let recorded = outcome.recorded else {
                Output.stderr(
                    "evaldb: interrupted: \(outcome.done) of \(outcome.total) results kept in \(outcome.partialFolder); "
                        + "the same command with --resume finishes the run")
                throw ExitCode(130)
            }
            printSummary(outcome, recorded)
            guard let base = compare else { return }
            if format.format == .table { Output.stdout("") }
            var arguments = [base, name, "--db", database.path, "--format", format.format.rawValue]
            if let budget { arguments += ["--budget", String(budget)] }
            if let junit { arguments += ["--junit", junit] }
            let gate = try Compare.parse(arguments)
            try gate.run()
        }

        private func printSummary(_ outcome: ExecOutcome, _ recorded: RecordedRun) {
            let run = recorded.run
            if format.format != .table {
                var kinds: [(String, JSONOutput)] = []
                for entry in outcome.errorKinds { kinds.append((entry.kind, .int(entry.count))) }
                var members: [(String, JSONOutput)] = [
                    ("name", .string(run.name)), ("version", .int(run.version)), ("dataset", .string(run.datasetHash)),
                    ("results", .int(run.resultCount)), ("missing", .int(run.missing)), ("ran", .int(outcome.executed)),
                    ("reused", .int(outcome.reused)), ("reused_from", .optional(outcome.reusedFrom)), ("resumed", .int(outcome.resumed)),
                    ("passed", .int(outcome.passed)), ("failed", .int(outcome.failed)), ("errors", .int(outcome.errors)),
                    ("error_kinds", .object(kinds)),
                ]
                if outcome.usage.results > 0 {
                    members.append(
                        (
                            "usage",
                            .object([
                                ("results", .int(outcome.usage.results)), ("input_tokens", .number(outcome.usage.inputTokens, decimals: 0)),
                                ("output_tokens", .number(outcome.usage.outputTokens, decimals: 0)),
                                ("cost_usd", outcome.usage.hasCost ? .number(outcome.usage.costUSD, decimals: 6) : .null),
                            ])
                        ))
                }
                Output.stdout(JSONOutput.object(members).text)
                return
            }
            Output.stdout(
                "run \(Terminal.sanitized(run.name)): \(run.resultCount) results against version \(run.version) (\(String(run.datasetHash.prefix(19))))"
            )
            var ran = "ran \(outcome.executed)"
            if outcome.reused > 0 { ran += ", reused \(outcome.reused) from run \(Terminal.sanitized(outcome.reusedFrom ?? "?"))" }
            if outcome.resumed > 0 { ran += ", \(outcome.resumed) kept from before the interruption" }
            Output.stdout(ran + " (\(trials) trial\(trials == 1 ? "" : "s") an example)")
            var graded = "passed \(outcome.passed), failed \(outcome.failed), errors \(outcome.errors)"
            if outcome.errors > 0 {
                graded += " (" + outcome.errorKinds.map { "\($0.kind) \($0.count)" }.joined(separator: ", ") + ")"
                graded += " — errors are left out of pass rates; --only errors --from \(Terminal.sanitized(run.name)) runs them again"
            }
            Output.stdout(graded)
            if outcome.onlyChanged > 0 {
                Output.stdout(
                    "left out: \(outcome.onlyChanged) examples that matched --only in run \(from ?? "") but whose input, context or expected output changed since"
                )
            }
            let usage = outcome.usage
            if usage.results > 0 {
                var line = "usage: \(Int(usage.inputTokens)) input tokens, \(Int(usage.outputTokens)) output tokens"
                if usage.hasCost { line += ", $" + String(format: "%.4f", usage.costUSD) }
                Output.stdout(line + " (reported by \(usage.results) results)")
            }
            if run.missing > 0 {
                Output.stdout(
                    "partial: \(run.missing) examples of the version have no result, e.g. \(recorded.missingIds.prefix(5).map(Terminal.sanitized).joined(separator: ", "))"
                )
            }
        }
    }
}

/// The progress line of `run exec` on standard error, when it is a terminal: done of total, the
/// pass rate so far, errors, and an estimate of the time left. Plain text; the errors in red unless
/// NO_COLOR is set.
final class ExecProgressLine {
    private let name: String
    private let enabled = Output.standardErrorIsTerminal
    private let colour = ProcessInfo.processInfo.environment["NO_COLOR"].map { $0.isEmpty } ?? true
    private var shown = false

    init(name: String) { self.name = name }

    func show(_ progress: ExecProgress) {
        guard enabled else { return }
        let graded = progress.passed + progress.failed
        var text = "run exec \(Terminal.sanitized(name)): \(progress.done)/\(progress.total)"
        if graded > 0 { text += "  pass " + Listing.format(Double(progress.passed) / Double(graded) * 100, decimals: 1) + "%" }
        if progress.errors > 0 { text += colour ? "  \u{1B}[31merrors \(progress.errors)\u{1B}[0m" : "  errors \(progress.errors)" }
        if progress.executed > 0 && progress.done < progress.total {
            let left = Int((Double(progress.total - progress.done) * progress.elapsed / Double(progress.executed)).rounded())
            text += String(format: "  ETA %d:%02d", left / 60, left % 60)
        }
        FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
