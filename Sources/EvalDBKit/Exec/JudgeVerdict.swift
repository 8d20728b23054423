/// What a judge command said about one output (docs/run.md, "A judge").
///
/// The judge receives `{"context", "expected_output", "id", "input", "output"}` as one canonical
/// JSON line on standard input (and `EVALDB_ID`, `EVALDB_TRIAL` in its environment) and prints a
/// JSON object: `pass` (true or false) and optionally `rationale` and `score`; a `usage` member is
/// taken out as for any command. Anything else — a non-zero exit, a timeout, no `pass` — is an
/// error of kind `judge`, after the same retries as the system.
struct JudgeVerdict: Sendable {
    var pass: Bool
    /// Canonical JSON of the judge's `rationale` (usually a string).
    var rationale: [UInt8]?
    /// Canonical JSON of its `score`, a number.
    var score: [UInt8]?

    /// The verdict in a judge's output; nil when there is none.
    init?(_ output: ExecValue) {
        guard output.string == nil, let tape = try? JSONParser.parse(bytes: output.canonical), tape.nodes[0].kind == .object,
            let passNode = tape.member(0, "pass"), [.true, .false].contains(tape.nodes[passNode].kind)
        else { return nil }
        pass = tape.nodes[passNode].kind == .true
        rationale = tape.member(0, "rationale").flatMap { tape.nodes[$0].kind == .null ? nil : ExecValue(tape, $0).canonical }
        score = tape.member(0, "score").flatMap { [.integer, .float].contains(tape.nodes[$0].kind) ? ExecValue(tape, $0).canonical : nil }
    }
}

extension ExecSetup {
    /// Asks the judge about `output`; nil when the run was interrupted.
    func judged(_ item: ExecItem, _ fields: ExampleFields, _ output: ExecValue, judge: [String]) -> Result<JudgeVerdict, ExecFailure>? {
        var question = ResultLine()
        question.set("context", json: fields.context)
        question.set("expected_output", json: fields.expected.canonical)
        question.set("id", string: fields.id)
        question.set("input", json: fields.input.canonical)
        question.set("output", json: output.canonical)
        var input = question.bytes
        input.append(0x0A)
        var attempts = 0
        let extra = ["EVALDB_ID=" + fields.id, "EVALDB_TRIAL=\(item.trial)"]
        guard let run = invoke(judge, input: input, extra: extra, attempts: &attempts) else { return nil }
        guard case .exited(0) = run.end else { return .failure(failure(of: run, program: judge[0], kind: .judge, what: "the judge")) }
        let printed = CommandOutput(redactor.redacted(run.output), truncated: run.outputTruncated, limit: maxOutput)
        if printed.problem == nil, let verdict = JudgeVerdict(printed.value) { return .success(verdict) }
        // A judge that answers without a verdict answers so again: no retry.
        return .failure(
            ExecFailure(
                kind: .judge, message: "the judge printed no verdict (a JSON object with \"pass\": true or false)",
                stderr: redactor.redacted(run.stderrTail)))
    }
}
