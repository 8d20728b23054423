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
        if let encoding = otherEncoding(of: Array(head)) { return DataError(file: file, line: 1, column: 1, message: encoding) }
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

    /// What a file is when its first bytes say it is not UTF-8 text: UTF-16 (a byte-order mark,
    /// or every other byte zero, as Windows tools write it) or binary (a NUL byte).
    static func otherEncoding(of head: [UInt8]) -> String? {
        let convert = "evaldb reads UTF-8 JSONL (`iconv -f UTF-16 -t UTF-8 FILE` converts it)"
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) { return "this is UTF-16 text, not UTF-8; \(convert)" }
        // A NUL in the first line: a text file's stray NUL further on is named at its own line.
        let firstLineEnd = head.firstIndex(of: 0x0A) ?? head.count
        guard let nul = head.firstIndex(of: 0), nul < firstLineEnd else { return nil }
        // UTF-16 of mostly ASCII text: the bytes of one parity all zero, of the other none.
        let sample = Array(head.prefix(64))
        let even = stride(from: 0, to: sample.count, by: 2).map { sample[$0] }
        let odd = stride(from: 1, to: sample.count, by: 2).map { sample[$0] }
        func allZero(_ bytes: [UInt8]) -> Bool { !bytes.isEmpty && bytes.allSatisfy { $0 == 0 } }
        func noneZero(_ bytes: [UInt8]) -> Bool { !bytes.isEmpty && !bytes.contains(0) }
        if sample.count >= 4 && ((allZero(even) && noneZero(odd)) || (allZero(odd) && noneZero(even))) {
            return "this is UTF-16 text, not UTF-8; \(convert)"
        }
        return "this is a binary file (a NUL byte at byte \(nul + 1)), not JSONL; evaldb reads JSONL: one JSON object a line"
    }
}
