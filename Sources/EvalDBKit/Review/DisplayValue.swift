/// A JSON value as a reader is shown it — by the terminal review, the review pages and a table's
/// cells alike: a text as its characters, a conversation as turns, a list of strings as words,
/// anything else as a tree whose objects keep their members in code point order of their keys.
/// What counts as a conversation turn or as a label's plain value is decided here, once; the
/// parser's tape stays inside the JSON layer.
public indirect enum DisplayValue: Sendable {
    /// A JSON string.
    case text(String)
    /// A number, `true`, `false` or `null`: its canonical JSON text.
    case literal(String)
    case list([DisplayValue])
    /// Members in code point order of their keys, as canonical JSON has them.
    case object([Member])

    public struct Member: Sendable {
        public var key: String
        public var value: DisplayValue
    }

    /// One turn of a conversation: an object with a string `role` and a `content`.
    public struct Turn: Sendable {
        public var role: String
        public var content: DisplayValue
        /// Its other members (a tool call's name, say), in key order.
        public var extra: [Member]
    }

    /// The value of a JSON text; nil when it is not JSON.
    public init?(json: String) {
        guard let tape = try? JSONParser.parse(json) else { return nil }
        self.init(tape, 0)
    }

    init(_ tape: JSONTape, _ index: Int) {
        switch tape.nodes[index].kind {
        case .string: self = .text(tape.string(index))
        case .array: self = .list(tape.elements(index).map { DisplayValue(tape, $0) })
        case .object:
            let node = tape.nodes[index]
            self = .object(
                (0..<Int(node.start) / 2).map { k in
                    let key = Int(tape.sortedKeys[Int(node.sorted) + k])
                    return Member(key: tape.string(key), value: DisplayValue(tape, key + 1))
                })
        default:
            var bytes: [UInt8] = []
            CanonicalJSON.write(tape, index, to: &bytes)
            self = .literal(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The value's turns, when it is a conversation: a non-empty list whose every element is a turn.
    public var turns: [Turn]? {
        guard case .list(let elements) = self, !elements.isEmpty else { return nil }
        var turns: [Turn] = []
        for element in elements {
            guard let turn = element.turn else { return nil }
            turns.append(turn)
        }
        return turns
    }

    /// The value as a turn: an object with a string `role` and a `content`.
    public var turn: Turn? {
        guard case .object(let members) = self, let role = members.first(where: { $0.key == "role" }),
            case .text(let roleText) = role.value, let content = members.first(where: { $0.key == "content" })
        else { return nil }
        return Turn(role: roleText, content: content.value, extra: members.filter { $0.key != "role" && $0.key != "content" })
    }

    /// A string as its one text, a list of strings as its texts; nil for anything else (a label
    /// value shown as words rather than as JSON).
    public var strings: [String]? {
        switch self {
        case .text(let text): return [text]
        case .list(let elements):
            var texts: [String] = []
            for element in elements {
                guard case .text(let text) = element else { return nil }
                texts.append(text)
            }
            return texts
        default: return nil
        }
    }

    /// The value as plain words (a table or csv cell of a label): a string as itself, a list of
    /// strings as its texts joined by spaces, anything else as its canonical JSON.
    public var plain: String {
        strings?.joined(separator: " ") ?? canonical
    }

    /// The canonical JSON text of the value (keys in code point order, `", "` and `": "`,
    /// non-ASCII escaped), as the record holds it.
    public var canonical: String {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func write(to bytes: inout [UInt8]) {
        switch self {
        case .text(let text): Array(text.utf8).withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &bytes) }
        case .literal(let text): bytes += text.utf8
        case .list(let elements):
            bytes.append(UInt8(ascii: "["))
            for (n, element) in elements.enumerated() {
                if n > 0 { bytes += ", ".utf8 }
                element.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (n, member) in members.enumerated() {
                if n > 0 { bytes += ", ".utf8 }
                Array(member.key.utf8).withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &bytes) }
                bytes += ": ".utf8
                member.value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The value of `record`'s member `name` (a record's `input`, say); nil when the record is not
    /// a JSON object or lacks it.
    public static func member(_ name: String, ofRecord record: String) -> DisplayValue? {
        guard let tape = try? JSONParser.parse(record), tape.nodes.first?.kind == .object, let index = tape.member(0, name) else { return nil }
        return DisplayValue(tape, index)
    }
}
