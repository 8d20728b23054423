import Crypto

/// A production trace in the one shape sampling knows, whatever form it was read in: its id, its
/// session, when it happened, the input (a string or a list of `{"role", "content"}` turns), the
/// output and context, and its attributes. JSON values are canonical JSON text.
public struct Trace: Sendable {
    public var id: String
    public var sessionId: String?
    /// ISO 8601, when the trace has a time.
    public var timestamp: String?
    public var input: String
    public var output: String?
    public var context: String?
    /// A JSON object, when the trace has attributes.
    public var attributes: String?
    /// The file it was read from, as given, and its line.
    public var file: String
    public var line: Int

    /// The trace whose fields are `nodes` of `tape` (a located trace: it has an id and an input).
    init(_ tape: JSONTape, _ nodes: TraceNodes, file: String, line: Int) {
        func text(_ node: Int) -> String? {
            guard node >= 0, tape.nodes[node].kind != .null else { return nil }
            var bytes: [UInt8] = []
            CanonicalJSON.write(tape, node, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        func scalar(_ node: Int) -> String? {
            guard node >= 0 else { return nil }
            switch tape.nodes[node].kind {
            case .string, .integer, .float: return tape.string(node)
            default: return nil
            }
        }
        id = scalar(nodes.traceId) ?? ""
        sessionId = scalar(nodes.sessionId)
        timestamp = nodes.timestamp >= 0 && tape.nodes[nodes.timestamp].kind == .string ? tape.string(nodes.timestamp) : nil
        input = text(nodes.input) ?? "null"
        output = text(nodes.output)
        context = text(nodes.context)
        attributes = nodes.attributes >= 0 && tape.nodes[nodes.attributes].kind == .object ? text(nodes.attributes) : nil
        self.file = file
        self.line = line
    }

    /// The id of the example a trace becomes, derived from its id alone (not the seed), so that a
    /// trace sampled twice is one example: `trace-` and the trace id when that is printable ASCII
    /// without spaces (at most 100 bytes), else `trace-` and 16 hex digits of its SHA-256.
    public static func exampleId(forTrace id: String) -> String {
        let bytes = Array(id.utf8)
        if !bytes.isEmpty, bytes.count <= 100, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return "trace-" + id }
        return "trace-" + SHA256.hash(data: bytes).hexString.prefix(16)
    }

    /// Of two traces with the same id (so the same digest): the one to keep, by its content alone,
    /// so that the choice does not depend on which was read first.
    static func precedes(_ a: Trace, _ b: Trace) -> Bool {
        let left = [a.input, a.output ?? "", a.context ?? "", a.attributes ?? "", a.sessionId ?? "", a.timestamp ?? ""]
        let right = [b.input, b.output ?? "", b.context ?? "", b.attributes ?? "", b.sessionId ?? "", b.timestamp ?? ""]
        for (x, y) in zip(left, right) where !x.utf8.elementsEqual(y.utf8) { return x.utf8.lexicographicallyPrecedes(y.utf8) }
        return false
    }

    /// The date of the trace (`YYYY-MM-DD`), when its timestamp starts with one.
    var date: String? {
        guard let timestamp, timestamp.utf8.count >= 10 else { return nil }
        let prefix = Array(timestamp.utf8.prefix(10))
        return prefix.withUnsafeBufferPointer(ISO8601.isDateOrDateTime) ? String(decoding: prefix, as: UTF8.self) : nil
    }
}
