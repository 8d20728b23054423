import EvalDBKit

/// A JSON document a command prints with `--format json`: data, not text — numbers as numbers,
/// objects as objects — on one line in the style of Python's `json.dumps` (`", "` and `": "`).
/// The CLI's one JSON writer: `Listing`'s json and jsonl rows, `sample`'s report and every
/// command's own document are written by `write(to:)`.
enum JSONOutput {
    case object([(String, JSONOutput)])
    case array([JSONOutput])
    case string(String)
    case int(Int)
    /// A number with this many decimals (a rate in points: 1).
    case number(Double, decimals: Int)
    /// A number as stored (SQL REAL, a probability): its shortest exact text.
    case real(Double)
    case bool(Bool)
    /// JSON text taken as it is (a canonical record or value).
    case raw(String)
    case null

    /// A rate or difference given as a fraction, in percentage points with one decimal.
    static func points(_ fraction: Double) -> JSONOutput { .number(fraction * 100, decimals: 1) }

    /// A JSON string, or null.
    static func optional(_ text: String?) -> JSONOutput { text.map(JSONOutput.string) ?? .null }

    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Appends the document's text to `out` (a number that is not finite as null).
    func write(to out: inout String) {
        switch self {
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += ", " }
                out += JSONText.string(key)
                out += ": "
                value.write(to: &out)
            }
            out += "}"
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += ", " }
                element.write(to: &out)
            }
            out += "]"
        case .string(let text): out += JSONText.string(text)
        case .int(let number): out += String(number)
        case .number(let number, let decimals): out += number.isFinite ? Listing.format(number, decimals: decimals) : "null"
        case .real(let number): out += number.isFinite ? String(number) : "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .raw(let text): out += text
        case .null: out += "null"
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
