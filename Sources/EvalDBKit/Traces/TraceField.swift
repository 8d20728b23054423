/// The fields of a trace, whatever form it came in: what sampling reads and what a proposal is
/// made of.
public enum TraceField: String, CaseIterable, Sendable {
    case traceId = "trace_id"
    case sessionId = "session_id"
    case timestamp
    case input
    case output
    case context
    case attributes
}

/// One trace found on a line, before it is sampled: where each of its fields is in a parsed tape
/// (`-1`: absent). Plain and `--map`ped lines point into the line's own tape; OTLP spans and
/// LangSmith runs into a tape built from them.
struct TraceNodes {
    var traceId = -1
    var sessionId = -1
    var timestamp = -1
    var input = -1
    var output = -1
    var context = -1
    var attributes = -1

    subscript(field: TraceField) -> Int {
        get {
            switch field {
            case .traceId: traceId
            case .sessionId: sessionId
            case .timestamp: timestamp
            case .input: input
            case .output: output
            case .context: context
            case .attributes: attributes
            }
        }
        set {
            switch field {
            case .traceId: traceId = newValue
            case .sessionId: sessionId = newValue
            case .timestamp: timestamp = newValue
            case .input: input = newValue
            case .output: output = newValue
            case .context: context = newValue
            case .attributes: attributes = newValue
            }
        }
    }
}
