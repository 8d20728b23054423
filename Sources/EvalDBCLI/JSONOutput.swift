import EvalDBKit

/// A JSON document a command prints with `--format json`: data, not text — numbers as numbers,
/// objects as objects — on one line in the style of Python's `json.dumps` (`", "` and `": "`), as
/// `Listing` prints its rows.
indirect enum JSONOutput {
    case object([(String, JSONOutput)])
    case array([JSONOutput])
    case string(String)
    case int(Int)
    /// A number with this many decimals (a rate in points: 1).
    case number(Double, decimals: Int)
    case bool(Bool)
    /// JSON text taken as it is (a canonical record or value).
    case raw(String)
    case null

    /// A rate or difference given as a fraction, in percentage points with one decimal.
    static func points(_ fraction: Double) -> JSONOutput { .number(fraction * 100, decimals: 1) }

    /// A JSON string, or null.
    static func optional(_ text: String?) -> JSONOutput { text.map(JSONOutput.string) ?? .null }

    var text: String {
        switch self {
        case .object(let members): "{" + members.map { JSONText.string($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ", ") + "]"
        case .string(let text): JSONText.string(text)
        case .int(let number): String(number)
        case .number(let number, let decimals): number.isFinite ? Listing.format(number, decimals: decimals) : "null"
        case .bool(let flag): flag ? "true" : "false"
        case .raw(let text): text
        case .null: "null"
        }
    }
}

extension JSONOutput {
    /// The one row of a one-row listing as a JSON object (a command that describes one thing).
    static func firstObject(of listing: Listing) -> String {
        String(listing.render(.jsonl).split(separator: "\n").first ?? "{}")
    }
}

/// Field changes as JSON data: `[{"path": ..., "old": VALUE, "new": VALUE}]`, the values as they
/// are in the records (absent: null).
enum FieldChangesJSON {
    static func text(_ changes: [FieldChange]) -> String {
        JSONOutput.array(
            changes.map {
                .object([("path", .string($0.path)), ("old", $0.old.map(JSONOutput.raw) ?? .null), ("new", $0.new.map(JSONOutput.raw) ?? .null)])
            }
        ).text
    }
}
