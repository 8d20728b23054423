import Foundation

/// The longest line evaldb reads as one record (docs/canonical-json.md, "How long a record may
/// be"). A record is kept whole as one value of an SQLite row, and SQLite refuses a value — and a
/// row — longer than 1,000,000,000 bytes (its default `SQLITE_MAX_LENGTH`); the limit leaves a
/// million of them for the rest of the row and of a team log event that carries the record. Every
/// reader of JSONL (datasets, results, proposals, verdicts, traces) refuses a longer line at
/// `FILE:LINE:1` before parsing it, and a dataset record whose canonical form grows past it (a
/// non-ASCII character is escaped as `\uXXXX`), so that `validate` refuses what `import` could
/// not store.
///
/// `EVALDB_TEST_MAX_RECORD_BYTES=N` lowers the limit, so that a test need not write a gigabyte:
/// set by the environment only, as `FaultPoint` is, and never raising it.
public enum RecordLimit {
    /// The documented limit, in bytes.
    public static let documentedBytes = 999_000_000

    /// The limit in force: the documented one, or a lower one a test asked for.
    static let bytes: Int = {
        guard let text = ProcessInfo.processInfo.environment["EVALDB_TEST_MAX_RECORD_BYTES"], let lowered = Int(text), lowered > 0
        else { return documentedBytes }
        return min(lowered, documentedBytes)
    }()

    /// The problem of a line of `length` bytes, or nil when it fits.
    static func lineProblem(length: Int) -> String? {
        guard length > bytes else { return nil }
        return "the line is \(grouped(length)) bytes, longer than a record may be (\(grouped(bytes)) bytes, "
            + "what SQLite holds in one value less room for the rest of its row): keep large content in a file of its own and name it in the record"
    }

    /// The problem of a record whose canonical form is `length` bytes, or nil when it fits.
    static func canonicalProblem(length: Int) -> String? {
        guard length > bytes else { return nil }
        return "the record is \(grouped(length)) bytes in canonical form (every non-ASCII character escaped as \\uXXXX), "
            + "longer than a record may be (\(grouped(bytes)) bytes, what SQLite holds in one value less room for the rest of its row): "
            + "keep large content in a file of its own and name it in the record"
    }

    /// 1100000000 as "1,100,000,000".
    private static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
