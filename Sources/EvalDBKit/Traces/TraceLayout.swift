/// A problem with one trace: a byte offset in its line and what is wrong.
struct TraceProblem: Error {
    var offset: Int
    var message: String
}

/// Where each field of a trace is in a line: the plain form's members (`trace_id`, `input`, ...),
/// or the JSON pointers a user maps them to (`input=/request/messages`).
struct TraceLayout {
    private let pointers: [(field: TraceField, pointer: JSONPointer)]
    let isMapped: Bool

    static let plain = TraceLayout(map: [:])

    /// Fields not in `map` are read where the plain form has them.
    init(map: [TraceField: JSONPointer]) {
        pointers = TraceField.allCases.map { ($0, map[$0] ?? JSONPointer(member: $0.rawValue)) }
        isMapped = !map.isEmpty
    }

    /// The trace in `tape` (its root object at node `root`), or why it is not one.
    func locate(_ tape: JSONTape, root: Int = 0) -> Result<TraceNodes, TraceProblem> {
        var nodes = TraceNodes()
        for (field, pointer) in pointers {
            if let node = pointer.resolve(in: tape, from: root) { nodes[field] = node }
        }
        let source = Int(tape.nodes[root].source)
        func problem(_ node: Int, _ message: String) -> Result<TraceNodes, TraceProblem> {
            .failure(TraceProblem(offset: node >= 0 ? Int(tape.nodes[node].source) : source, message: message))
        }
        func name(_ field: TraceField) -> String {
            isMapped ? "the \(field.rawValue) (at \(pointers.first { $0.field == field }!.pointer))" : quoted(field.rawValue)
        }
        switch nodes.traceId < 0 ? nil : tape.nodes[nodes.traceId].kind {
        case .string where tape.nodes[nodes.traceId].length > 0, .integer:
            break
        case nil:
            return problem(-1, "a trace needs \(name(.traceId)), a string\(isMapped ? "" : Self.formsHint)")
        default:
            return problem(nodes.traceId, "\(name(.traceId)) must be a non-empty string")
        }
        if nodes.input < 0 || tape.nodes[nodes.input].kind == .null {
            return problem(nodes.input, "a trace needs \(name(.input)): a string or a list of {\"role\", \"content\"} turns")
        }
        if nodes.sessionId >= 0 {
            switch tape.nodes[nodes.sessionId].kind {
            case .string, .integer, .null: break
            default: return problem(nodes.sessionId, "\(name(.sessionId)) must be a string or null")
            }
        }
        if nodes.attributes >= 0 {
            switch tape.nodes[nodes.attributes].kind {
            case .object, .null: break
            default: return problem(nodes.attributes, "\(name(.attributes)) must be an object")
            }
        }
        return .success(nodes)
    }

    private static let formsHint =
        " (the forms read are plain traces {\"trace_id\", \"input\", ...}, OpenTelemetry's OTLP JSON and LangSmith runs; map another shape's fields to JSON pointers)"
}
