import Crypto
import Foundation

/// Synthetic inputs run through the real system (`synth`): an LLM command rewrites chosen examples'
/// inputs, each rewrite is run through the system, and each becomes a proposal for a person to
/// accept with an expected output of their own — "synthetic inputs are fine; synthetic ground truth
/// is not" (docs/run.md, "Synthetic inputs").
///
/// The rewriter gets the example's canonical record as one JSON line on standard input (and
/// `EVALDB_ID`, and `EVALDB_SYNTH_N`: how many rewrites are wanted) and prints one new input a line:
/// JSON (a string, a conversation) or plain text. The first `count` lines are taken.
public struct SynthOptions: Sendable {
    /// The rewriter command line.
    public var rewriter: [String]
    /// The system each rewrite is run through, as `run exec` runs it (nil: none).
    public var system: ExecOptions?
    public var count = 5
    public var conditions: [SliceCondition] = []
    /// Examples chosen by id (besides, or instead of, the conditions).
    public var ids: [String] = []
    public var timeout: Double = 120
    public var retries = 0
    /// Who proposes (the rewriter's name by default).
    public var proposedBy: String?

    public init(rewriter: [String]) { self.rewriter = rewriter }
}

/// What `synth` did.
public struct SynthResult: Sendable {
    public var examples: Int
    public var queued: [Proposal]
    public var skipped: [(id: String, reason: String)]
    /// Examples whose rewriter failed, with why.
    public var failures: [(id: String, message: String)]
}

/// The expected output of a synthetic proposal until a person sets one: accepting the proposal as
/// it is is refused (`ReviewSession.accept`).
public enum SyntheticInput {
    public static let placeholder = #"{"evaldb": "expected output to be set by a reviewer"}"#
    /// The source of a synthetic example: `synth:` and its parent's id.
    public static let sourcePrefix = "synth:"

    /// Whether `record` (canonical) is a synthetic example still waiting for its expected output.
    public static func needsExpectedOutput(_ record: String) -> Bool {
        guard let object = try? CanonicalObject(parsing: record) else { return false }
        return object["source"].map { $0.hasPrefix("\"" + sourcePrefix) } == true && object["expected_output"] == placeholder
    }
}

extension Store {
    /// Rewrites the inputs of the examples chosen (current version, in its line order), runs each
    /// rewrite through the system, and queues each as a proposal: the parent's record with the new
    /// input, a new id (`PARENT-synth-HEX`), `source` `synth:PARENT`, the label `synth_of`, and the
    /// placeholder expected output; the system's output (or error) in its rationale.
    public func synth(_ options: SynthOptions) throws -> SynthResult {
        guard let program = options.rewriter.first, ChildProcess.canStart(program) else {
            throw ExecError.cannotStart(options.rewriter.first ?? "")
        }
        if let system = options.system, let program = system.command.first, !ChildProcess.canStart(program) {
            throw ExecError.cannotStart(program)
        }
        guard options.count >= 1 else { throw ExecError.invalidSetting("the number of rewrites must be 1 or more") }
        guard let version = try currentVersion() else { throw EvalDBError.emptyDatabase }
        signal(SIGPIPE, SIG_IGN)
        var rewriterOptions = ExecOptions(name: "synth", command: options.rewriter)
        rewriterOptions.timeout = options.timeout
        rewriterOptions.retries = options.retries
        let rewriter = ExecSetup(rewriterOptions)
        let system = options.system.map { ExecSetup($0) }
        // The rewriter as proposals name it: its program, and its script when a program runs one
        // (`python3 rewrite.py`); never its other arguments, which may hold a key.
        let script = options.rewriter.dropFirst().first.flatMap { $0.hasPrefix("-") ? nil : ($0 as NSString).lastPathComponent }
        let name = (program as NSString).lastPathComponent + (script.map { " " + $0 } ?? "")
        let wanted = Set(options.ids.map(ExactString.init))
        var parents: [[UInt8]] = []
        try slice(version, where: options.conditions) { record in
            guard !wanted.isEmpty else { return parents.append(Array(record)) }
            if let fields = ExampleFields(Array(record)), wanted.contains(ExactString(fields.id)) { parents.append(Array(record)) }
        }
        guard !parents.isEmpty else { throw ExecError.nothingSelected }
        var drafts: [ProposalDraft] = []
        var failures: [(id: String, message: String)] = []
        let today = String(isoNow().prefix(10))
        for parent in parents {
            guard let fields = ExampleFields(parent) else { continue }
            var attempts = 0
            var input = parent
            input.append(0x0A)
            guard
                let run = rewriter.invoke(
                    options.rewriter, input: input, extra: ["EVALDB_ID=" + fields.id, "EVALDB_SYNTH_N=\(options.count)"], attempts: &attempts)
            else { break }
            guard case .exited(0) = run.end else {
                failures.append((fields.id, rewriter.failure(of: run, program: program, kind: nil, what: "the rewriter").message))
                continue
            }
            // A rewrite that is the input itself is none.
            let rewrites = Self.rewrites(rewriter.redactor.redacted(run.output)).filter { $0.canonical != fields.inputJSON }.prefix(options.count)
            guard let parentObject = try? CanonicalObject(parsing: String(decoding: parent, as: UTF8.self)) else { continue }
            for (index, rewrite) in rewrites.enumerated() {
                var object = parentObject
                let digest = SHA256.hash(data: Data((fields.id + "\n").utf8) + rewrite.canonical).hexString.prefix(8)
                let id = fields.id + "-synth-" + digest
                object["id"] = JSONText.string(id)
                object["input"] = String(decoding: rewrite.canonical, as: UTF8.self)
                object["expected_output"] = SyntheticInput.placeholder
                object["source"] = JSONText.string(SyntheticInput.sourcePrefix + fields.id)
                object["author"] = JSONText.string(options.proposedBy ?? name)
                object["created_at"] = JSONText.string(today)
                object["notes"] = "null"
                var labels = (try? CanonicalObject(parsing: object["labels"] ?? "{}")) ?? CanonicalObject()
                labels["synth_of"] = JSONText.string(fields.id)
                object["labels"] = labels.text
                var rationale = "rewrite \(index + 1) of \(fields.id)'s input by \(name)"
                if let system {
                    var item = ExecItem(position: 0, trial: 0, record: Array(object.text.utf8))
                    if let newFields = ExampleFields(item.record), let answer = system.answer(&item, newFields) {
                        switch answer {
                        case .printed(let output, _):
                            rationale += "; the system answered: " + String(decoding: output.value.canonical, as: UTF8.self)
                        case .failed(let failure, _):
                            rationale += "; the system failed: " + failure.message
                        }
                    }
                }
                drafts.append(
                    ProposalDraft(kind: .example, exampleId: id, content: object.text, proposedBy: options.proposedBy ?? name, rationale: rationale))
            }
        }
        let (queued, skipped) = try queue(drafts, source: nil)
        return SynthResult(
            examples: parents.count, queued: queued, skipped: skipped.map { ($0.id, $0.reason) }, failures: failures)
    }

    /// The new inputs a rewriter printed: one a line, JSON when the line parses, else its text;
    /// blank lines skipped.
    static func rewrites(_ output: [UInt8]) -> [ExecValue] {
        output.split(separator: 0x0A).compactMap { line -> ExecValue? in
            var text = Array(line)
            if text.last == 0x0D { text.removeLast() }
            guard text.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return nil }
            if let value = ExecValue(json: text), !(value.canonical == Array("null".utf8)) { return value }
            return ExecValue(text: Array(String(decoding: text, as: UTF8.self).utf8))  // bad UTF-8 as U+FFFD
        }
    }
}
