import ArgumentParser
import EvalDBKit
import Foundation

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample production traces with intent and queue the chosen ones as proposals.",
        discussion: """
            Reads traces — plain JSONL (one {"trace_id", "input", ...} a line), OpenTelemetry's OTLP JSON \
            (GenAI and OpenInference attributes) or a LangSmith run export, recognised from each file's \
            content; any other shape through --map FIELD=JSON-POINTER. A trace belongs to the first \
            --stratum it matches (NAME:KEY=VALUE, KEY a trace field or attributes.NAME); the rest is the \
            uniform stratum. Each stratum keeps the traces with the smallest SHA-256 of SEED:TRACE_ID \
            (--quota NAME=K, --uniform N), or P percent of them (--rate [NAME=]P, in percent as every \
            rate: those whose hash, read as a fraction, is below P%): reproducible, independent of file \
            order, stable as the logs grow. A trace whose input repeats an example's (current or removed, exactly or after white space and case \
            folding) or a proposal's is skipped, and at most --per-session N traces of a session are \
            taken. Each chosen trace becomes a proposal (id trace-TRACE_ID, source prod-trace:DATE) \
            whose labels carry its stratum, inclusion probability and seed; `evaldb report RUN \
            --weighted` re-weights pass rates with them. --dry-run prints the proposals as JSONL \
            instead of queueing them. The summary names the first trace skipped for each reason; \
            --skipped FILE writes every skipped trace, one JSON object a line (--format json lists \
            them too).

            Examples:
              evaldb sample prod/traces-2026-04.jsonl --uniform 200
              evaldb sample otel/*.jsonl --stratum refund:attributes.intent=refund \\
                  --quota refund=50 --uniform 100
              evaldb sample runs.jsonl --rate 1 --label feature=booking --dry-run
              evaldb sample export.jsonl --map trace_id=/request/id \\
                  --map input=/request/messages --uniform 50
              evaldb review --proposals
            """)

    @Argument(help: "Trace files ('-' for standard input).")
    var files: [String]

    @Option(help: "The seed of the hashes: another seed draws another sample.")
    var seed = "evaldb"

    @Option(help: "Keep this many of the traces that match no stratum.")
    var uniform: Int?

    @Option(help: ArgumentHelp("NAME:KEY=VALUE: a stratum (first match wins); repeat a NAME for OR.", valueName: "stratum"))
    var stratum: [String] = []

    @Option(help: ArgumentHelp("NAME=K: keep K traces of stratum NAME.", valueName: "quota"))
    var quota: [String] = []

    @Option(
        help: ArgumentHelp(
            "[NAME=]P: keep P percent of the traces, those with the smallest hashes (of stratum NAME, or of the rest).", valueName: "rate"))
    var rate: [String] = []

    @Option(name: .customLong("per-session"), help: "At most this many traces of one session (those with the smallest hashes).")
    var perSession = 1

    @Option(
        help: ArgumentHelp(
            "FIELD=JSON-POINTER: where a trace field is (trace_id, session_id, timestamp, input, output, context, attributes).", valueName: "map"))
    var map: [String] = []

    @Option(help: ArgumentHelp("KEY=VALUE (a string) or KEY:=JSON: a label every proposal carries.", valueName: "label"))
    var label: [String] = []

    @Option(help: "The proposals' author (default: git's user.name, else $USER).")
    var author: String?

    @Option(name: .customLong("proposed-by"), help: "Who proposes them (default: the author).")
    var proposedBy: String?

    @Option(help: "Write every skipped trace to this file, one JSON object a line (trace_id, file, line, reason, like).")
    var skipped: String?

    @Flag(name: .customLong("dry-run"), help: "Print the proposals as JSONL; queue nothing.")
    var dryRun = false

    @Option(name: .customLong("max-errors"), help: "Stop after this many errors.")
    var maxErrors = 50

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    /// The command line as a plan; usage errors name the flag.
    func plan() throws -> SamplePlan {
        var strata: [Stratum] = []
        for text in stratum {
            guard let colon = text.firstIndex(of: ":") else {
                throw ValidationError("--stratum takes NAME:KEY=VALUE (like refund:attributes.intent=refund), found \(JSONText.string(text))")
            }
            let name = String(text[..<colon])
            let condition: TraceCondition
            do {
                condition = try TraceCondition(parsing: String(text[text.index(after: colon)...]))
            } catch let error as EvalDBError {
                throw ValidationError("--stratum \(text): \(error.description)")
            }
            if let index = strata.firstIndex(where: { $0.name.utf8.elementsEqual(name.utf8) }) {
                strata[index].conditions.append(condition)
            } else {
                strata.append(Stratum(name: name, conditions: [condition], size: .count(-1)))
            }
        }
        var sized = Set<String>()
        func assign(_ name: String, _ size: SampleSize, flag: String) throws {
            guard let index = strata.firstIndex(where: { $0.name.utf8.elementsEqual(name.utf8) }) else {
                let declared = strata.isEmpty ? "none is declared" : "the strata are " + strata.map(\.name).joined(separator: ", ")
                throw ValidationError("\(flag) \(name)=...: no --stratum \(name) (\(declared))")
            }
            guard sized.insert(name).inserted else { throw ValidationError("stratum \(name) has two sizes: give one --quota or one --rate") }
            strata[index].size = size
        }
        for text in quota {
            let (name, value) = try pair(text, flag: "--quota", shape: "NAME=K")
            guard let k = Int(value) else { throw ValidationError("--quota \(text): K must be a whole number") }
            try assign(name, .count(k), flag: "--quota")
        }
        var rest: SampleSize? = uniform.map { .count($0) }
        for text in rate {
            if let equals = text.firstIndex(of: "=") {
                let name = String(text[..<equals])
                let r = try Percent.parse(String(text[text.index(after: equals)...]), flag: "--rate \(name)=")
                try assign(name, .rate(r), flag: "--rate")
            } else {
                guard Double(text.hasSuffix("%") ? String(text.dropLast()) : text) != nil else {
                    throw ValidationError("--rate takes P or NAME=P (a percent), found \(JSONText.string(text))")
                }
                let r = try Percent.parse(text, flag: "--rate")
                guard rest == nil else { throw ValidationError("the uniform stratum takes --uniform N or --rate P, not both") }
                rest = .rate(r)
            }
        }
        if let unsized = strata.first(where: { $0.size == .count(-1) }) {
            throw ValidationError("stratum \(unsized.name) has no size: add --quota \(unsized.name)=K or --rate \(unsized.name)=P")
        }
        if strata.isEmpty && rest == nil {
            throw ValidationError("nothing to sample: add --uniform N (or --rate P), or a --stratum with its --quota")
        }
        var pointers: [TraceField: JSONPointer] = [:]
        for text in map {
            let (name, pointer) = try pair(text, flag: "--map", shape: "FIELD=JSON-POINTER")
            guard let field = TraceField(rawValue: name) else {
                throw ValidationError(
                    "--map \(text): no trace field \(JSONText.string(name)); the fields are \(TraceField.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            do {
                pointers[field] = try JSONPointer(parsing: pointer)
            } catch let error as EvalDBError {
                throw ValidationError("--map \(text): \(error.description)")
            }
        }
        var labels: [(key: String, value: String)] = []
        for text in label {
            guard case .label(let key, let value?) = try? ExampleEdit(labelEdit: text) else {
                throw ValidationError("--label takes KEY=VALUE (a string) or KEY:=JSON, found \(JSONText.string(text))")
            }
            labels.append((key, value))
        }
        return SamplePlan(
            seed: seed, strata: strata, rest: rest, perSession: perSession, map: pointers, labels: labels, maxErrors: max(1, maxErrors))
    }

    private func pair(_ text: String, flag: String, shape: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "=") else { throw ValidationError("\(flag) takes \(shape), found \(JSONText.string(text))") }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    func run() throws {
        let plan = try plan()
        let author = author ?? defaultUser()
        let outcome: SampleOutcome
        if dryRun && !FileManager.default.fileExists(atPath: database.path) {
            // Nothing to deduplicate against, nothing to queue into: the sample alone.
            Output.stderr("evaldb: no database at \(database.path): the traces are not checked against a dataset")
            let sample = try TraceSampler.sample(files, plan: plan, duplicates: .empty)
            let proposals = sample.proposals(labels: plan.labels, author: author, today: Self.today(), storedPath: { $0 })
            outcome = SampleOutcome(sample: sample, proposals: proposals, queued: [], skipped: [])
            printProposals(proposals.map(\.record))
        } else {
            let store = dryRun ? try database.openForReading() : try database.open()
            outcome = try store.sample(files, plan: plan, author: author, proposedBy: proposedBy ?? author, dryRun: dryRun)
            if dryRun { printProposals(outcome.queued.map(\.content)) }
        }
        if let skipped { try ReportFile.write(Self.skippedLines(outcome).map { $0 + "\n" }.joined(), to: skipped) }
        for skip in outcome.skipped {
            Output.stderr(
                "\(skip.proposal.chosen.trace.file):\(skip.proposal.chosen.trace.line): not proposed again: trace \(Terminal.sanitized(skip.proposal.chosen.trace.id)): \(skip.reason)"
            )
        }
        if dryRun {
            for line in summary(outcome) { Output.stderr(line) }
            return
        }
        report(outcome)
    }

    /// The proposals --dry-run would queue: JSONL (one a line), or with --format json one array.
    private func printProposals(_ records: [String]) {
        if format.format == .json {
            Output.stdout(JSONOutput.array(records.map(JSONOutput.raw)).text)
        } else {
            for record in records { Output.stdout(record) }
        }
    }

    /// The strata as rows: what each held, chose and queued.
    private func report(_ outcome: SampleOutcome) {
        let sample = outcome.sample
        let queuedIds = Set(outcome.queued.map(\.exampleId))
        func queued(_ stratum: TraceSample.StratumResult) -> Int {
            stratum.chosen.filter { queuedIds.contains(Trace.exampleId(forTrace: $0.trace.id)) }.count
        }
        let strata = sample.strata.map { stratum in
            JSONOutput.object([
                ("stratum", .string(stratum.name)), ("rule", .string(Self.rule(stratum))), ("traces", .int(stratum.traces)),
                ("chosen", .int(stratum.chosen.count)), ("queued", .int(queued(stratum))),
                ("inclusion_probability", .real(stratum.inclusionProbability)),
                ("set_aside_by_session", .int(stratum.keptOutBySession)),
            ])
        }
        switch format.format {
        case .json:
            let skipped = sample.skipped.map { skip in
                JSONOutput.object([
                    ("reason", .string(skip.reason.rawValue)), ("count", .int(skip.count)),
                    ("traces", .array(skip.traces.map { .object(Self.members($0)) })),
                ])
            }
            let proposals = outcome.queued.map { proposal in
                JSONOutput.object([("proposal", .int(Int(proposal.number))), ("id", .string(proposal.exampleId))])
            }
            let notQueued = outcome.skipped.map { skip in
                JSONOutput.object([("id", .string(skip.proposal.exampleId)), ("reason", .string(skip.reason))])
            }
            Output.stdout(
                JSONOutput.object([
                    ("seed", .string(sample.seed)), ("traces", .int(sample.traces)), ("unsampled", .int(sample.unsampled)),
                    ("strata", .array(strata)), ("skipped", .array(skipped)), ("queued", .array(proposals)), ("not_queued", .array(notQueued)),
                ]).text)
        case .jsonl:
            Output.stdout(strata.map(\.text).joined(separator: "\n"))
            for line in summary(outcome) { Output.stderr(line) }
        case .csv, .table:
            var listing = Listing(columns: ["stratum", "rule", "traces", "chosen", "queued", "inclusion probability"])
            for stratum in sample.strata {
                listing.rows.append([
                    .text(stratum.name), .text(Self.rule(stratum)), .int(stratum.traces), .int(stratum.chosen.count), .int(queued(stratum)),
                    .text(format.format == .table ? Self.short(stratum.inclusionProbability) : JSONOutput.real(stratum.inclusionProbability).text),
                ])
            }
            Output.stdout(format.render(listing))
            for line in summary(outcome) { format.format == .table ? Output.stdout(line) : Output.stderr(line) }
        }
    }

    /// What was read, skipped and queued, in words.
    private func summary(_ outcome: SampleOutcome) -> [String] {
        let sample = outcome.sample
        var lines: [String] = []
        let forms = sample.files.map { "\($0.path) (\($0.form?.rawValue ?? "empty"))" }.joined(separator: ", ")
        lines.append(
            "read \(sample.traces) trace\(sample.traces == 1 ? "" : "s") from \(forms)"
                + (sample.unsampled > 0 ? "; \(sample.unsampled) in no sampled stratum" : ""))
        for skip in sample.skipped {
            var line = "skipped \(skip.count) trace\(skip.count == 1 ? "" : "s"): \(skip.reason.rawValue)"
            if let first = skip.traces.first {
                line += " (first: \(Terminal.sanitized(first.id)) (\(first.file):\(first.line)), like \(Terminal.sanitized(first.like)))"
            }
            lines.append(line)
        }
        if sample.skipped.contains(where: { $0.count > 1 }) && skipped == nil {
            lines.append("every skipped trace: --skipped FILE writes them, one a line")
        }
        let count = dryRun ? outcome.proposals.count - outcome.skipped.count : outcome.queued.count
        lines.append("\(dryRun ? "would queue" : "queued") \(count) proposal\(count == 1 ? "" : "s") (seed \(sample.seed))")
        if !dryRun && count > 0 { lines.append("next: evaldb review --proposals") }
        return lines
    }

    /// A skipped trace's members, as `--format json` and `--skipped FILE` write them.
    static func members(_ trace: SkippedTrace) -> [(String, JSONOutput)] {
        [("trace_id", .string(trace.id)), ("file", .string(trace.file)), ("line", .int(trace.line)), ("like", .string(trace.like))]
    }

    /// Every trace skipped, one JSON object each: those the dataset, the proposals or the session
    /// rule kept out (by reason, in file order), then those chosen but sampled before.
    static func skippedLines(_ outcome: SampleOutcome) -> [String] {
        var listed = outcome.sample.skipped.flatMap { skip in skip.traces.map { (skip.reason, $0) } }
        listed += outcome.skipped.map { skip in
            let trace = skip.proposal.chosen.trace
            let file = trace.file == "-" ? "<stdin>" : trace.file
            return (SkipReason.sampledBefore, SkippedTrace(id: trace.id, file: file, line: trace.line, like: skip.reason))
        }
        return listed.map { reason, trace in
            var members = Self.members(trace)
            members.insert(("reason", .string(reason.rawValue)), at: 3)
            return JSONOutput.object(members).text
        }
    }

    static func rule(_ stratum: TraceSample.StratumResult) -> String {
        let conditions = stratum.conditions.map { $0.joined(separator: " or ") } ?? "the rest"
        switch stratum.size {
        case .count(let k): return "\(conditions), quota \(k)"
        case .rate(let r): return "\(conditions), rate \(Percent.text(r))"
        }
    }

    /// A probability with 3 significant digits, for a table.
    static func short(_ value: Double) -> String { String(format: "%.3g", value) }

    static func today() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
