/// How many traces a stratum keeps: the `k` with the smallest digests (bottom-k), or every trace
/// whose digest, read as a fraction, is below a rate.
public enum SampleSize: Sendable, Equatable {
    case count(Int)
    case rate(Double)
}

/// One condition on a trace: `KEY=VALUE`, KEY a field of the trace (`trace_id`, `session_id`,
/// `timestamp`, `input`, `output`, `context`) or `attributes.NAME`. VALUE matches as `slice`'s
/// conditions do: a string equal to it exactly, a number, boolean or null whose canonical JSON
/// spelling equals it, or a list that holds such a value.
public struct TraceCondition: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let value: String
    let field: TraceField
    /// For `attributes.NAME`: NAME, looked up whole first (OpenTelemetry's names hold dots), then
    /// as a dotted path through nested objects.
    let attribute: [UInt8]?
    private let valueBytes: [UInt8]

    /// `KEY=VALUE`, split at the first `=`. Throws `EvalDBError.invalidSamplePlan` for another shape or key.
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "=") else {
            throw EvalDBError.invalidSamplePlan(.conditionWithoutEquals(text))
        }
        try self.init(key: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }

    public init(key: String, value: String) throws {
        self.key = key
        self.value = value
        valueBytes = Array(value.utf8)
        if key.hasPrefix("attributes."), key.count > "attributes.".count {
            field = .attributes
            attribute = Array(key.utf8.dropFirst("attributes.".utf8.count))
        } else if let field = TraceField(rawValue: key), field != .attributes {
            self.field = field
            attribute = nil
        } else {
            let keys = TraceField.allCases.filter { $0 != .attributes }.map(\.rawValue) + ["attributes.NAME"]
            throw EvalDBError.invalidSamplePlan(.unknownTraceKey(key, known: keys))
        }
    }

    public var description: String { "\(key)=\(value)" }

    public static func == (a: TraceCondition, b: TraceCondition) -> Bool { a.key.utf8.elementsEqual(b.key.utf8) && a.valueBytes == b.valueBytes }

    /// Whether the trace whose fields are `nodes` of `tape` meets the condition.
    func matches(_ tape: JSONTape, _ nodes: TraceNodes) -> Bool {
        var node = nodes[field]
        guard node >= 0 else { return false }
        if let attribute {
            guard tape.nodes[node].kind == .object, let found = Self.attribute(attribute, in: tape, node) else { return false }
            node = found
        }
        switch tape.nodes[node].kind {
        case .array:
            var element = node + 1
            let end = Int(tape.nodes[node].length)
            while element < end {
                if matchesScalar(tape, element) { return true }
                element = tape.next(after: element)
            }
            return false
        default:
            return matchesScalar(tape, node)
        }
    }

    private func matchesScalar(_ tape: JSONTape, _ node: Int) -> Bool {
        switch tape.nodes[node].kind {
        case .string, .integer, .float: tape.bytes(node).elementsEqual(valueBytes)
        case .true: value == "true"
        case .false: value == "false"
        case .null: value == "null"
        case .array, .object: false
        }
    }

    /// The attribute `name` of the attributes object at `node`: a member of that name, else the
    /// dotted path through nested objects (`a.b.c`), trying the longest member names first.
    static func attribute(_ name: [UInt8], in tape: JSONTape, _ node: Int) -> Int? {
        if let found = tape.member(node, bytes: name) { return found }
        var dot = name.count
        while let split = name[..<dot].lastIndex(of: UInt8(ascii: ".")) {
            dot = split
            guard split > 0, let head = tape.member(node, bytes: Array(name[..<split])), tape.nodes[head].kind == .object else { continue }
            if let found = attribute(Array(name[(split + 1)...]), in: tape, head) { return found }
        }
        return nil
    }
}

/// A stratum declared for sampling: a name, the conditions a trace meets to belong to it (any one
/// of them), and how many of its traces to keep. A trace belongs to the first stratum it matches.
public struct Stratum: Sendable, Equatable {
    public var name: String
    public var conditions: [TraceCondition]
    public var size: SampleSize

    public init(name: String, conditions: [TraceCondition], size: SampleSize) {
        self.name = name
        self.conditions = conditions
        self.size = size
    }

    func matches(_ tape: JSONTape, _ nodes: TraceNodes) -> Bool {
        conditions.contains { $0.matches(tape, nodes) }
    }
}
