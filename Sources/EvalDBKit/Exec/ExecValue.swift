/// A JSON value as `run exec` grades and records it: its canonical JSON, and for a string the
/// string itself. An output is one (JSON when the command printed JSON, else its text), and so is an
/// expected output.
public struct ExecValue: Sendable, Equatable {
    /// The value's canonical JSON (Python's `json.dumps(value, sort_keys=True)`).
    public var canonical: [UInt8]
    /// The string's UTF-8 bytes, when the value is a string.
    public var string: [UInt8]?

    /// A string value.
    public init(text: [UInt8]) {
        string = text
        var json: [UInt8] = []
        text.withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &json) }
        canonical = json
    }

    /// The value at `index` of `tape`.
    init(_ tape: JSONTape, _ index: Int = 0) {
        var json: [UInt8] = []
        CanonicalJSON.write(tape, index, to: &json)
        canonical = json
        string = tape.nodes[index].kind == .string ? Array(tape.bytes(index)) : nil
    }

    /// The value of a JSON text; nil when the text is not JSON.
    public init?(json text: [UInt8]) {
        guard let tape = try? JSONParser.parse(bytes: text) else { return nil }
        self.init(tape, text: text)
    }

    /// The value of a member cut out of a canonical record (`CanonicalMembers`): its text is
    /// canonical already, so only a string with an escape in it is parsed. Nil when it is empty.
    init?(canonicalMember text: [UInt8]) {
        guard let first = text.first else { return nil }
        guard first == UInt8(ascii: "\"") else {
            self.init(canonical: text, string: nil)
            return
        }
        guard text.count >= 2, !text.contains(UInt8(ascii: "\\")) else {
            self.init(json: text)
            return
        }
        self.init(canonical: text, string: Array(text[1..<(text.count - 1)]))
    }

    /// The value of `tape`, parsed from `text`: a canonical text is kept as it is.
    init(_ tape: JSONTape, text: [UInt8]) {
        if tape.isCanonical {
            self.init(canonical: text, string: tape.nodes[0].kind == .string ? Array(tape.bytes(0)) : nil)
        } else {
            self.init(tape)
        }
    }

    private init(canonical: [UInt8], string: [UInt8]?) {
        self.canonical = canonical
        self.string = string
    }

    /// What text graders (contains, regex) look in: a string as itself, any other value as its
    /// canonical JSON.
    public var text: [UInt8] { string ?? canonical }

    /// The value parsed again (it is always valid JSON).
    var tape: JSONTape { (try? JSONParser.parse(bytes: canonical)) ?? JSONTape() }
}
