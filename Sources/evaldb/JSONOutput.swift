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
        case .null: "null"
        }
    }
}
