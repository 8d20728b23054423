import Foundation

/// A file that is not JSONL at all — a pretty-printed JSON document, a CSV file, an empty file —
/// gets one problem that says what evaldb reads, instead of an error on every line.
enum JSONLShape {
    /// The one problem for the file at `path` when its errors come from its shape; nil when it
    /// looks like JSONL (its errors are its own) or cannot be read again (standard input).
    static func problem(path: String, file: String) -> DataError? {
        guard path != "-", let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        let text = String(decoding: head, as: UTF8.self)
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        let jsonl = "evaldb reads JSONL: one JSON object a line, each line a record"
        guard let first = trimmed.first else {
            return DataError(file: file, line: 1, column: 1, message: "the file is empty; \(jsonl)")
        }
        if first == "[" {
            return DataError(
                file: file, line: 1, column: 1,
                message: "this is a JSON array, not JSONL; \(jsonl) (`jq -c '.[]' FILE` writes an array as JSONL)")
        }
        let firstLine = trimmed.prefix { $0 != "\n" }
        if ConflictMarker.isMarker(firstLine) { return nil }  // a merge left unresolved: each marker is named
        let line = firstLine.trimmingCharacters(in: .whitespacesAndNewlines)
        if line == "{" || (first == "{" && line.hasSuffix(",")) {
            return DataError(
                file: file, line: 1, column: 1,
                message: "the first line is not a whole JSON object: pretty-printed JSON? \(jsonl) (`jq -c . FILE` writes one object a line)")
        }
        if first != "{", firstLine.contains(",") || firstLine.contains("\t") {
            return DataError(file: file, line: 1, column: 1, message: "this looks like CSV or TSV, not JSONL; \(jsonl)")
        }
        return nil
    }
}
