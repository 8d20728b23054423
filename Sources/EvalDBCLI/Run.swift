import ArgumentParser
import EvalDBKit
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the system or record eval runs against a dataset version, and list, show or export them.",
        subcommands: [Record.self, Exec.self, List.self, ShowRun.self, ExportRun.self])

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record a results file as a run against one dataset version.",
            discussion: """
                Each line: {"id": ..., "pass": true|false} plus optional score, output, failure (a \
                failure category), trial (repeated runs of one example) and any other field, kept. \
                Ids not in that version, a duplicate (id, trial) or malformed lines: every error printed as \
                FILE:LINE:COL, nothing written, exit 1. An unknown dataset hash or a run name that exists: \
                nothing written, exit 2. Ids of the version without a result are reported (the run is \
                partial). The run keeps the git commit of HEAD, marked `-dirty` when tracked files have \
                uncommitted changes.
                --from inspect reads an Inspect AI log (.eval or .json) instead: each sample a result (its \
                id, epoch 1 as trial 0, the score as score and pass, the completion as output), pinned to \
                the dataset hash that `export --as inspect` put in its samples' metadata (else give \
                --dataset or --dataset-file), with the model, task and scorer in the run's meta.
                --map FIELD=JSON-POINTER reads another tool's results (JSONL, or with --each POINTER the \
                array one JSON document holds): id and pass are needed; score, trial, output, rationale, \
                failure and error may be mapped; each result keeps the object it came from as mapped_from.

                Examples:
                  evaldb run record results.jsonl --name gpt-x-2026-04-20 \\
                      --dataset-file evals/data/v0/golden.jsonl
                  evaldb run record results.jsonl --name baseline --dataset 3497797e \\
                      --meta model=gpt-x
                  evaldb run record --from inspect logs/golden.eval --name inspect-gpt-x
                  evaldb run record out.json --each /results/results --map id=/vars/id \\
                      --map pass=/success --map output=/response/output --name pf \\
                      --dataset 3497797e
                """)

        enum Source: String, ExpressibleByArgument, CaseIterable {
            case results, inspect
        }

        @Argument(help: "The results file ('-' for standard input), or with --from inspect the Inspect log.")
        var file: String

        @Option(help: "What FILE is: results (evaldb's result lines) or inspect (an Inspect AI log, .eval or .json).")
        var from: Source = .results

        @Option(
            help:
                "With --from inspect: the scorer whose scores are the results (default: the log's first; needed when its samples have several and the log names none)."
        )
        var scorer: String?

        @Option(
            name: .customLong("map"),
            help:
                "FIELD=JSON-POINTER: where a result field is in another tool's results (id, pass, score, trial, output, rationale, failure, error); repeatable."
        )
        var map: [String] = []

        @Option(help: "With --map: the JSON pointer of the array of results in a file that is one JSON document.")
        var each: String?

        @Option(help: "The run's name (unique).")
        var name: String

        @Option(help: "The dataset version's hash (or unique prefix) the run used.")
        var dataset: String?

        @Option(name: .customLong("dataset-file"), help: "The dataset file the run used: its hash names the version.")
        var datasetFile: String?

        @Option(name: .customLong("meta"), help: "K=V to keep with the run (model, prompt version, ...); repeatable.")
        var meta: [String] = []

        @OptionGroup var input: InputOptions
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if dataset != nil && datasetFile != nil { throw ValidationError("give --dataset HASH or --dataset-file FILE, not both") }
            if from == .results && dataset == nil && datasetFile == nil { throw ValidationError("give --dataset HASH or --dataset-file FILE") }
            if scorer != nil && from != .inspect { throw ValidationError("--scorer is for --from inspect") }
            if from == .inspect && file == "-" { throw ValidationError("--from inspect reads a log file, not standard input") }
            if !map.isEmpty && from == .inspect { throw ValidationError("--map is for results of other tools, not --from inspect") }
            if each != nil && map.isEmpty { throw ValidationError("--each goes with --map") }
            if !map.isEmpty && file == "-" { throw ValidationError("--map reads a file, not standard input") }
            _ = try pointers()
        }

        /// The --map pairs, checked; nil without --map.
        func pointers() throws -> [MappedResults.Field: JSONPointer]? {
            guard !map.isEmpty else { return nil }
            var pointers: [MappedResults.Field: JSONPointer] = [:]
            for text in map {
                guard let equals = text.firstIndex(of: "=") else {
                    throw ValidationError("--map takes FIELD=JSON-POINTER, found \(JSONText.string(text))")
                }
                let name = String(text[..<equals])
                guard let field = MappedResults.Field(rawValue: name) else {
                    throw ValidationError(
                        "--map \(text): no result field \(JSONText.string(name)); the fields are \(MappedResults.Field.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                do {
                    pointers[field] = try JSONPointer(parsing: String(text[text.index(after: equals)...]))
                } catch let error as EvalDBError {
                    throw ValidationError("--map \(text): \(error.description)")
                }
            }
            for needed in [MappedResults.Field.id, .pass] where pointers[needed] == nil {
                throw ValidationError("--map needs \(needed.rawValue)=JSON-POINTER (id and pass are needed)")
            }
            return pointers
        }

        func run() throws {
            let store = try database.open()
            let inspectLog = from == .inspect ? try InspectLog.read(path: file, scorer: scorer, maxErrors: max(1, input.maxErrors)) : nil
            let version: DatasetVersion
            if dataset == nil && datasetFile == nil, let inspectLog {
                guard let hash = inspectLog.datasetHash else {
                    throw EvalDBError.usage(
                        "\(file) names no dataset: its samples' metadata has no \(InspectDataset.datasetKey) (an Inspect dataset from `evaldb export --as inspect` has it); give --dataset HASH or --dataset-file FILE"
                    )
                }
                do {
                    version = try store.resolveVersion(hash)
                } catch EvalDBError.noSuchVersion {
                    throw EvalDBError.usage("\(file) is of dataset \(hash), which this database has no version of: import that dataset first")
                }
            } else if let dataset {
                do {
                    version = try store.resolveVersion(dataset.hasPrefix("sha256:") ? dataset : "sha256:" + dataset)  // a hash, never a number
                } catch EvalDBError.noSuchVersion {
                    throw EvalDBError.usage("no dataset version has the hash \(dataset): import that dataset first")
                }
            } else {
                let check = try DatasetFileCheck.check(path: datasetFile!)
                guard check.isValid else { throw EvalDBError.invalidData(errors: check.problems, truncated: check.truncated) }
                guard let found = try store.version(hash: check.hash) else {
                    throw EvalDBError.usage("no version has the dataset hash of \(datasetFile!) (\(check.hash)): import it first")
                }
                version = found
            }
            let pairs = try meta.map { text -> (key: String, value: String) in
                guard let equals = text.firstIndex(of: "=") else { throw ValidationError("--meta takes K=V, found \(text)") }
                return (String(text[..<equals]), String(text[text.index(after: equals)...]))
            }
            if let inspectLog, let hash = inspectLog.datasetHash, hash != version.hash {
                throw EvalDBError.usage(
                    "\(file) is of dataset \(hash.prefix(19)) (its samples' \(InspectDataset.datasetKey)), not of version \(version.number) (\(version.hash.prefix(19))) given by --dataset or --dataset-file"
                )
            }
            let options = RunOptions(
                name: name, meta: pairs, gitCommit: Git.headDescription(), maxErrors: max(1, input.maxErrors),
                author: defaultUser())
            let recorded: RecordedRun
            if let inspectLog {
                recorded = try store.recordRun(inspect: inspectLog, against: version, options: options)
            } else if let pointers = try pointers() {
                let each = try self.each.map { text in
                    do { return try JSONPointer(parsing: text) } catch let error as EvalDBError {
                        throw ValidationError("--each \(text): \(error.description)")
                    }
                }
                let mapped = try MappedResults.read(path: file, map: pointers, each: each, maxErrors: max(1, input.maxErrors))
                recorded = try store.recordRun(mapped: mapped, against: version, options: options)
            } else {
                recorded = try store.recordRun(file, against: version, options: options)
            }
            let run = recorded.run
            if let inspectLog, let status = inspectLog.status, status != "success" {
                Output.stderr("evaldb: warning: the Inspect log's status is \(status), not success: its eval did not finish")
            }
            Output.stdout(
                "run \(Terminal.sanitized(run.name)): \(run.resultCount) results against version \(run.version) (\(String(run.datasetHash.prefix(19))))"
            )
            if let inspectLog, inspectLog.errors > 0 {
                Output.stdout("errors: \(inspectLog.errors) samples failed or have no score (left out of pass rates)")
            }
            if run.missing > 0 {
                Output.stdout(
                    "partial: \(run.missing) examples of the version have no result, e.g. \(recorded.missingIds.prefix(5).map(Terminal.sanitized).joined(separator: ", "))"
                )
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the runs, oldest first.",
            discussion: """
                Each run's name, dataset version and hash, date, results, examples without a result, git \
                commit (marked -dirty when tracked files had uncommitted changes) and meta.

                Examples:
                  evaldb run list
                  evaldb run list --format json
                """)
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var format: FormatOptions

        func run() throws {
            var listing = Listing(columns: ["name", "version", "dataset", "date", "results", "missing", "commit", "meta"])
            for run in try database.openForReading().runs() {
                // The table shortens hashes; the other formats give them whole.
                let short = format.format == .table
                listing.rows.append([
                    .text(run.name), .int(run.version), .text(short ? String(run.datasetHash.prefix(19)) : run.datasetHash), .text(run.createdAt),
                    .int(run.resultCount), .int(run.missing), run.gitCommit.map { .text(short ? String($0.prefix(10)) : $0) } ?? .null,
                    .json(run.meta),
                ])
            }
            Output.stdout(format.render(listing))
        }
    }

    struct ShowRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show one run and its pass rate.",
            discussion: """
                Examples:
                  evaldb run show baseline
                  evaldb run show baseline --format json
                """)
        @Argument(help: "The run's name.", completion: Completions.runNames) var name: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var format: FormatOptions

        func run() throws {
            let store = try database.openForReading()
            let run = try store.run(named: name)
            let report = try store.report(run)
            if format.format != .table {
                var listing = Listing(
                    columns: [
                        "name", "version", "dataset", "date", "source", "commit", "meta", "results", "missing", "examples", "passed", "rate",
                        "low", "high",
                    ])
                let overall = report.overall
                listing.rows.append([
                    .text(run.name), .int(run.version), .text(run.datasetHash), .text(run.createdAt), run.sourcePath.map { .text($0) } ?? .null,
                    run.gitCommit.map { .text($0) } ?? .null, .json(run.meta), .int(run.resultCount), .int(run.missing),
                    .int(overall.examples), .number(overall.passed, decimals: overall.passed == overall.passed.rounded() ? 0 : 2),
                    .points(overall.rate), .points(overall.interval.lower), .points(overall.interval.upper),
                ])
                Output.stdout(format.format == .json ? JSONOutput.firstObject(of: listing) : format.render(listing))
                return
            }
            Output.stdout(
                """
                run \(Terminal.sanitized(run.name))
                dataset   version \(run.version)  \(run.datasetHash)
                recorded  \(run.createdAt)\(run.gitCommit.map { "  commit \($0.prefix(10))" } ?? "")
                results   \(run.resultCount)\(run.missing > 0 ? " (partial: \(run.missing) examples without a result)" : "")
                meta      \(run.meta)
                pass rate \(ReportCommand.describe(report.overall))\(report.overall.errors > 0 ? "  (\(report.overall.errors) errors left out)" : "")
                """)
        }
    }

    struct ExportRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print a run's results as recorded (JSONL that `run record` reads back).",
            discussion: """
                Examples:
                  evaldb run export baseline > baseline.jsonl
                """)
        @Argument(help: "The run's name.", completion: Completions.runNames) var name: String
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openForReading()
            try store.exportRun(try store.run(named: name)) { Output.stdout($0) }
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Pass rate of a run, overall and per slice, with 95% Wilson intervals.",
        discussion: """
            Per slice: n examples, passed, pass rate and its 95% Wilson interval; slices whose interval \
            is wider than ±20 points are marked too small to say anything. An example with several trials \
            counts its share of passing trials; flaky examples (trials disagree) are listed, then the top \
            failure categories. A result that is an error (its command failed or timed out: `run exec`) \
            is no pass and no fail: left out of the rates and counted in an errors column. Warns when \
            the run's dataset version is not the current one.

            Rates and interval bounds are percentage points with one decimal. With \
            --judge-calibration NAME (see `evaldb judge calibrate`), the run's results are a judge's \
            verdicts: next to its raw pass rate, the rate corrected for the judge's known errors \
            (Rogan–Gladen) with a 95% interval by the delta method and by a seeded percentile \
            bootstrap (docs/statistics.md). --plot FILE.svg draws the pass rates with their intervals \
            as a standalone SVG picture.

            Two runs (BASE CANDIDATE) with --by K: each slice's paired difference, its exact McNemar \
            p-value and Benjamini–Hochberg adjusted p-value, the slices named as regressed — what \
            `evaldb compare BASE CANDIDATE --by K` prints (its --plot is the forest plot).

            Examples:
              evaldb report baseline
              evaldb report baseline --by feature,scenario
              evaldb report baseline --by feature --plot report.svg
              evaldb report judge-gpt --judge-calibration judge-gpt --format json
              evaldb report baseline candidate --by feature
            """)

    @Argument(
        help: ArgumentHelp("The run's name; two (BASE CANDIDATE) with --by: their per-slice comparison.", valueName: "run"),
        completion: Completions.runNames)
    var runs: [String]

    var name: String { runs[0] }

    @Option(help: "Slice by these label keys or fields (K[,K]).") var by: String?

    @Option(name: .customLong("cluster-by"), help: "A key whose examples sharing a value are not independent (a conversation, a topic).")
    var clusterBy: String?

    @Option(name: .customLong("judge-calibration"), help: "Correct the judge's pass rate with this calibration.")
    var judgeCalibration: String?

    @Option(help: "The bootstrap's seed (with --judge-calibration).") var seed: UInt64 = 0
    @Option(help: "The bootstrap's resamples (with --judge-calibration).") var resamples = 2000

    @Flag(help: "Add the pass rate re-weighted by the examples' inclusion probabilities (sampled traces: docs/traces.md).")
    var weighted = false

    @Option(help: "Also draw the pass rates with their intervals: a standalone SVG file (FILE.svg).")
    var plot: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    static func describe(_ statistic: SliceStatistic) -> String {
        let passed = statistic.passed == statistic.passed.rounded() ? String(Int(statistic.passed)) : String(format: "%.2f", statistic.passed)
        return String(
            format: "%.1f%% (%@/%d)  95%% CI %.1f–%.1f", statistic.rate * 100, passed, statistic.examples,
            statistic.interval.lower * 100, statistic.interval.upper * 100)
            + (statistic.tooSmall ? "  too small to say" : "")
    }

    func validate() throws {
        guard (1...2).contains(runs.count) else { throw ValidationError("give one run, or two (BASE CANDIDATE) with --by K") }
        guard runs.count == 2 else { return }
        guard by != nil else {
            throw ValidationError("two runs are compared per slice: give --by K (`evaldb compare BASE CANDIDATE` compares them overall)")
        }
        if judgeCalibration != nil || weighted { throw ValidationError("--judge-calibration and --weighted report one run") }
    }

    func run() throws {
        if runs.count == 2 { return try comparePerSlice() }
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        let keys = by.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? []
        let report = try store.report(try store.run(named: name), by: keys, clusterBy: clusterBy)
        if let changed = report.changedSince, changed > 0, let current = report.currentVersion {
            Output.stderr(
                "evaldb: warning: run \(name) used version \(report.run.version), not the current \(current): \(changed) of its examples changed since in input, context or expected output (stale results)"
            )
        }
        let calibration = try judgeCalibration.map { try store.calibration(named: $0) }
        try calibration?.requireCorrectable()
        var listing = Listing(
            columns: keys + ["examples", "passed", "rate", "low", "high"] + (report.overall.errors == 0 ? [] : ["errors"])
                + (clusterBy == nil ? [] : ["design effect"])
                + (calibration == nil ? [] : ["corrected", "corrected low", "corrected high", "bootstrap low", "bootstrap high"]) + ["note"])
        for statistic in [report.overall] + report.slices {
            let values: [Listing.Value] =
                statistic.values.isEmpty && !keys.isEmpty
                ? keys.indices.map { _ in .text("(all)") } : statistic.values.map { $0.map(Listing.Value.text) ?? .null }
            let passed: Listing.Value =
                statistic.passed == statistic.passed.rounded() ? .int(Int(statistic.passed)) : .number(statistic.passed, decimals: 2)
            var row =
                values + [
                    .int(statistic.examples), passed, .points(statistic.rate), .points(statistic.interval.lower), .points(statistic.interval.upper),
                ]
            if report.overall.errors > 0 { row.append(.int(statistic.errors)) }
            if clusterBy != nil { row.append(.number(statistic.designEffect, decimals: 2)) }
            if let calibration {
                let corrected = statistic.corrected(by: calibration)
                let delta = corrected.deltaInterval(), boot = corrected.bootstrap(resamples: resamples, seed: seed)
                row += [corrected.estimate.map(Listing.Value.points) ?? .null]
                row += [delta.map { .points($0.lower) } ?? .null, delta.map { .points($0.upper) } ?? .null]
                row += [boot.map { .points($0.interval.lower) } ?? .null, boot.map { .points($0.interval.upper) } ?? .null]
            }
            row.append(statistic.tooSmall ? .text("too small to say") : .null)
            listing.rows.append(row)
        }
        if weighted {
            listing.rows.append(try ReportWeighted.row(store, report.run, columns: listing.columns, keys: keys))
            // In data, which row is the weighted one is a field, not only the words of its note.
            if format.format != .table {
                listing.columns.append("weighted")
                for index in listing.rows.indices { listing.rows[index].append(.json(index == listing.rows.count - 1 ? "true" : "false")) }
            }
        }
        Output.stdout(format.render(listing))
        if let plot { try ReportFile.write(IntervalChart.passRates(report).svg(), to: plot) }
        guard format.format == .table else { return }
        if report.run.missing > 0 {
            Output.stdout(
                "\npartial run: \(report.run.missing) examples of version \(report.run.version) have no result; the rates are over the \(report.overall.examples) that do"
            )
        }
        if report.overall.errors > 0 {
            Output.stdout(
                "\nerrors: \(report.overall.errors) results are errors (the command failed, timed out or printed what cannot be graded), left out of the rates: "
                    + report.erroredIds.map(Terminal.sanitized).joined(separator: ", ") + (report.erroredIds.count == 20 ? ", …" : "")
                    + "\n`evaldb run exec --only errors --from \(Terminal.sanitized(name)) -- CMD` runs them again")
        }
        if let calibration {
            let table = calibration.agreement
            Output.stdout(
                "\ncorrected with calibration \(calibration.name) (judge \(calibration.judgeRun)): TPR \(Listing.format(table.truePositiveRate * 100, decimals: 1)), "
                    + "TNR \(Listing.format(table.trueNegativeRate * 100, decimals: 1)) on \(table.humanPasses) human passes and \(table.humanFailures) failures; "
                    + "bootstrap \(resamples) resamples, seed \(seed)")
        }
        if !report.flaky.isEmpty {
            Output.stdout(
                "\nflaky (trials disagree): "
                    + report.flaky.prefix(20).map { "\(Terminal.sanitized($0.id)) \($0.passes)/\($0.trials)" }.joined(separator: ", "))
        }
        if !report.failures.isEmpty {
            Output.stdout(
                "\nfailure categories: " + report.failures.prefix(10).map { "\(Terminal.sanitized($0.category)) \($0.count)" }.joined(separator: ", ")
            )
        }
    }

    /// `report BASE CANDIDATE --by K`: `compare`'s per-slice comparison, with the same output.
    private func comparePerSlice() throws {
        var arguments = [runs[0], runs[1], "--by", by ?? "", "--format", format.format.rawValue]
        if let clusterBy { arguments += ["--cluster-by", clusterBy] }
        if let plot { arguments += ["--plot", plot] }
        if format.noHeaders { arguments.append("--no-headers") }
        var compare = try Compare.parse(arguments)
        compare.database = database
        try compare.run()
    }
}
