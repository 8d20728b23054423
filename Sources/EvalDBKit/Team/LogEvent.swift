import Crypto
import Foundation

/// One durable fact a command made — a dataset version's record, a read mark, a failure category,
/// a proposal, a decision — as one canonical JSON line of a team log (docs/teams.md). Its id is the
/// SHA-256 of that line: applying an event twice is a no-op.
public struct LogEvent: Sendable {
    /// The canonical line, without its newline.
    public let text: String
    /// Hex SHA-256 of `text`.
    public let id: String
    let tape: JSONTape

    /// A value of an event's member.
    public enum Value: Sendable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case null
        /// Canonical JSON text, taken as it is.
        case json(String)

        var canonical: String {
            switch self {
            case .string(let text): JSONText.string(text)
            case .int(let number): String(number)
            case .bool(let flag): flag ? "true" : "false"
            case .null: "null"
            case .json(let text): text
            }
        }
    }

    /// An event of `kind` (its `event` member) with these members; a nil value is left out.
    public init(_ kind: String, _ members: [String: Value?]) {
        var object = CanonicalObject()
        object["event"] = JSONText.string(kind)
        for (key, value) in members { if let value { object[key] = value.canonical } }
        // CanonicalObject's text is canonical when every value is; `.json` values are canonicalised.
        let text = (try? CanonicalJSON.canonicalize(object.text)) ?? object.text
        self.init(canonical: text)!
    }

    /// The event on one line of a log file; nil when the line is not a JSON object with `event`.
    public init?(line: String) {
        guard let canonical = try? CanonicalJSON.canonicalize(line) else { return nil }
        self.init(canonical: canonical)
    }

    private init?(canonical: String) {
        guard let tape = try? JSONParser.parse(canonical), tape.nodes[0].kind == .object,
            let kind = tape.member(0, "event"), tape.nodes[kind].kind == .string
        else { return nil }
        self.text = canonical
        self.tape = tape
        self.id = SHA256.hash(data: Data(canonical.utf8)).hexString
    }

    public var kind: String { string("event") ?? "" }

    /// The member `key` when it is a string.
    public func string(_ key: String) -> String? {
        guard let node = tape.member(0, key), tape.nodes[node].kind == .string else { return nil }
        return tape.string(node)
    }

    /// The canonical JSON of member `key` (nil when absent; `"null"` when null).
    public func json(_ key: String) -> String? {
        guard let node = tape.member(0, key) else { return nil }
        var bytes: [UInt8] = []
        CanonicalJSON.write(tape, node, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// When it happened (`at`), ISO 8601 UTC: events are applied in this order, then by id.
    public var at: String { string("at") ?? "" }
}
