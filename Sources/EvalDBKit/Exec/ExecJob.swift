import Foundation

/// What every job of one `run exec` shares, read-only: the commands, the grader, the limits.
final class ExecSetup: Sendable {
    let command: [String]
    let judge: [String]?
    let grader: Grader
    let timeout: Double
    let retries: Int
    /// The first retry waits this long; each next one twice as long, at most 8 times as long.
    let retryDelay: Double
    let maxOutput: Int
    let inputOnly: Bool
    let environment = ChildEnvironment(excluding: ["EVALDB_ID", "EVALDB_TRIAL", "EVALDB_WORKER"])
    let children = ChildRegistry()
    let redactor = SecretRedactor()
    /// Each command in a process group of its own (killed with what it started); false for the
    /// notebook, whose commands Ctrl-C at the terminal stops with evaldb.
    let ownGroup: Bool

    init(_ options: ExecOptions, ownGroup: Bool = true) {
        command = options.command
        judge = options.judge
        grader = options.judge == nil ? options.grader : .judge
        timeout = options.timeout
        retries = options.retries
        retryDelay = options.retryDelay
        maxOutput = options.maxOutputBytes
        inputOnly = options.inputOnly
        self.ownGroup = ownGroup
    }

    /// What the command reads for an example: its record, or with `inputOnly` its input (a string
    /// as its text, anything else as canonical JSON; a worker always gets one JSON line).
    func message(_ record: [UInt8], _ fields: ExampleFields, worker: Bool) -> [UInt8] {
        var line = !inputOnly ? record : worker ? fields.input.canonical : fields.input.text
        line.append(0x0A)
        return line
    }

    /// Seconds to wait before retry number `retry` (1, 2, ...).
    func backoff(_ retry: Int) -> Double { retryDelay * Double(1 << min(retry - 1, 3)) }
}

/// One example × trial to run: its position in the run (example index × trials + trial) and its
/// canonical record.
struct ExecItem: Sendable {
    var position: Int
    var trial: Int
    var record: [UInt8]
    /// Attempts made so far (a retry is an attempt after the first).
    var attempts = 0
}

/// What the system answered for one item, after its retries.
enum SystemAnswer {
    case printed(CommandOutput, latency: Double)
    case failed(ExecFailure, latency: Double)
}

/// One finished item: its result line and what the run's tallies need.
struct ItemOutcome: Sendable {
    var position: Int
    var line: [UInt8]
    var pass: Bool
    var error: ExecFailure.Kind?
    var usage: UsageTotals
}

/// The fields of an example a job needs, cut out of its canonical record (`CanonicalMembers`)
/// without parsing the rest of it (labels, notes).
struct ExampleFields {
    var id: String
    var expected: ExecValue
    /// The canonical JSON of the input and of the context.
    var inputJSON: [UInt8]
    var context: [UInt8]

    /// The input as a value (a string's text).
    var input: ExecValue { ExecValue(json: inputJSON) ?? ExecValue(text: []) }

    init?(_ record: [UInt8]) {
        var found: [[UInt8]?] = [nil, nil, nil, nil]
        let keys = ["\"context\"", "\"expected_output\"", "\"id\"", "\"input\""].map { Array($0.utf8) }
        let shaped = record.withUnsafeBufferPointer { buffer in
            CanonicalMembers.forEach(in: buffer) { key, value in
                if let index = keys.firstIndex(where: { $0.count == key.count && key.elementsEqual($0) }) { found[index] = Array(value) }
                return found.contains { $0 == nil }
            }
        }
        guard shaped, let expectedJSON = found[1], let idJSON = found[2], let inputJSON = found[3],
            let expected = ExecValue(canonicalMember: expectedJSON), let id = ExecValue(canonicalMember: idJSON)?.string
        else { return nil }
        self.id = String(decoding: id, as: UTF8.self)
        self.expected = expected
        self.inputJSON = inputJSON
        context = found[0] ?? Array("null".utf8)
    }
}

extension ExecSetup {
    /// Runs the command once per attempt on `item` (`message` on standard input, `EVALDB_ID` and
    /// `EVALDB_TRIAL` in its environment) until it exits 0 or the retries are spent; nil when the
    /// run was interrupted.
    func answer(_ item: inout ExecItem, _ fields: ExampleFields) -> SystemAnswer? {
        let input = message(item.record, fields, worker: false)
        guard let run = invoke(command, input: input, extra: ["EVALDB_ID=" + fields.id, "EVALDB_TRIAL=\(item.trial)"], attempts: &item.attempts)
        else {
            return nil
        }
        if case .exited(0) = run.end {
            return .printed(CommandOutput(redactor.redacted(run.output), truncated: run.outputTruncated, limit: maxOutput), latency: run.elapsed)
        }
        return .failed(failure(of: run, program: command[0], kind: nil, what: "the command"), latency: run.elapsed)
    }

    /// Runs `arguments` on `input` until it exits 0 (or cannot be started), or the retries for a
    /// non-zero exit or a timeout are spent, counting `attempts`; nil when the run was interrupted.
    func invoke(_ arguments: [String], input: [UInt8], extra: [String], attempts: inout Int) -> CommandInvocation? {
        while true {
            attempts += 1
            let run = CommandInvocation.run(
                arguments, environment: environment, extra: extra, input: input, timeout: timeout, maxOutput: maxOutput, children: children,
                ownGroup: ownGroup)
            switch run.end {
            case .cancelled: return nil
            case .exited(0), .cannotStart: return run
            case .exited, .timedOut:
                guard attempts <= retries else { return run }
                if !pause(backoff(attempts)) { return nil }
            }
        }
    }

    /// Why `run` (which did not exit 0) failed, as an error of `kind` (by default: by how it
    /// ended), `what` naming the command in the message.
    func failure(of run: CommandInvocation, program: String, kind: ExecFailure.Kind?, what: String) -> ExecFailure {
        let stderr = redactor.redacted(run.stderrTail)
        switch run.end {
        case .exited(let status):
            return ExecFailure(kind: kind ?? .exit, message: "\(what) exited with status \(status)", status: status, stderr: stderr)
        case .cannotStart(let reason):
            return ExecFailure(kind: kind ?? .start, message: "cannot start \(program): \(reason)")
        case .timedOut, .cancelled:
            return ExecFailure(
                kind: kind ?? .timeout, message: "\(what) did not finish within \(Self.seconds(timeout)) and was killed", stderr: stderr)
        }
    }

    /// Sleeps `seconds` unless the run is interrupted meanwhile; false when it was.
    func pause(_ seconds: Double) -> Bool {
        let until = monotonicNow() + seconds
        while monotonicNow() < until {
            if children.isCancelled { return false }
            usleep(useconds_t(min(until - monotonicNow(), 0.05) * 1e6))
        }
        return !children.isCancelled
    }

    /// The result of `item` from the system's answer: graded (by the grader or the judge), or an
    /// error. Nil when the run was interrupted while the judge ran.
    func finish(_ item: ExecItem, _ fields: ExampleFields, _ answer: SystemAnswer) -> ItemOutcome? {
        var line = ResultLine()
        line.set("id", string: fields.id)
        line.set("trial", int: item.trial)
        line.set("grader", string: grader.spec)
        var pass = false
        var failure: ExecFailure?
        var usage = UsageTotals()
        switch answer {
        case .failed(let problem, let latency):
            line.set("latency_ms", int: Int((latency * 1000).rounded()))
            failure = problem
        case .printed(let output, let latency):
            line.set("latency_ms", int: Int((latency * 1000).rounded()))
            line.set("output", json: output.value.canonical)
            if let reported = output.usage {
                line.set("usage", json: reported)
                usage = UsageTotals(usage: reported)
            }
            if let problem = output.problem {
                failure = ExecFailure(kind: .output, message: problem.message)
                if case .tooLarge = problem { line.set("output_truncated", bool: true) }
            } else if let judge {
                guard let verdict = judged(item, fields, output.value, judge: judge) else { return nil }
                switch verdict {
                case .success(let verdict):
                    pass = verdict.pass
                    if let rationale = verdict.rationale { line.set("rationale", json: rationale) }
                    if let score = verdict.score { line.set("score", json: score) }
                case .failure(let problem): failure = problem
                }
            } else {
                switch grader.grade(output.value, expected: fields.expected) {
                case .graded(let passed, let rationale):
                    pass = passed
                    if let rationale { line.set("rationale", string: rationale) }
                case .cannotGrade(let reason): failure = ExecFailure(kind: .grade, message: reason)
                }
            }
        }
        if item.attempts > 1 { line.set("attempts", int: item.attempts) }
        if let failure { line.set("error", object: failure.json) }
        line.set("pass", bool: pass && failure == nil)
        return ItemOutcome(position: item.position, line: line.bytes, pass: pass && failure == nil, error: failure?.kind, usage: usage)
    }

    /// "30 s", "1.5 s", "250 ms".
    static func seconds(_ value: Double) -> String {
        if value < 1 { return "\(Int((value * 1000).rounded())) ms" }
        return value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
