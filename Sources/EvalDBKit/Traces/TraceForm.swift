/// The forms of trace files sampling reads, recognised from a file's first object line.
public enum TraceForm: String, Sendable {
    /// One trace a line: `{"trace_id", "session_id"?, "timestamp"?, "input", "output"?, "context"?,
    /// "attributes"?}`.
    case plain
    /// OpenTelemetry's OTLP JSON file export.
    case otlp
    /// LangSmith's run export.
    case langSmith = "langsmith"
    /// Any shape, its fields at the JSON pointers the user gave.
    case mapped

    /// The form of a file whose first object line is `tape`.
    static func recognise(_ tape: JSONTape) -> TraceForm {
        if tape.member(0, bytes: Array("resourceSpans".utf8)) != nil { return .otlp }
        if LangSmithTraces.recognises(tape) { return .langSmith }
        return .plain
    }
}

/// Finds the traces of one line of a trace file, whatever its form: a plain or mapped line is its
/// own trace; an OTLP line holds one trace a trace id; a LangSmith line a root run or nothing.
struct TraceReader {
    let layout: TraceLayout
    /// The tape of the last trace built from a span or a run.
    private var built = JSONTape()

    init(map: [TraceField: JSONPointer]) {
        layout = TraceLayout(map: map)
    }

    /// Calls `body` with each trace of the line held by `tape` (a JSON object), as nodes of a tape;
    /// returns the problems of the line (a byte offset in it, and what is wrong).
    mutating func traces(in tape: JSONTape, form: TraceForm, _ body: (JSONTape, TraceNodes) -> Void) -> [TraceProblem] {
        switch form {
        case .plain, .mapped:
            switch layout.locate(tape) {
            case .success(let nodes):
                body(tape, nodes)
                return []
            case .failure(let problem):
                return [problem]
            }
        case .otlp:
            switch OTLPTraces.traces(in: tape) {
            case .failure(let problem): return [problem]
            case .success(let traces): return traces.compactMap { take($0.text, offset: $0.offset, body) }
            }
        case .langSmith:
            switch LangSmithTraces.trace(in: tape) {
            case .failure(let problem): return [problem]
            case .success(nil): return []
            case .success(let text?): return take(text, offset: Int(tape.nodes[0].source), body).map { [$0] } ?? []
            }
        }
    }

    /// A trace built from a span or a run: parsed again, then located as a plain one.
    private mutating func take(_ text: String, offset: Int, _ body: (JSONTape, TraceNodes) -> Void) -> TraceProblem? {
        do {
            built = try JSONParser.parse(text)
        } catch {
            return TraceProblem(offset: offset, message: "cannot read the trace: \(error.message)")
        }
        switch TraceLayout.plain.locate(built) {
        case .success(let nodes):
            body(built, nodes)
            return nil
        case .failure(let problem):
            return TraceProblem(offset: offset, message: problem.message)
        }
    }
}
