/// A result that is an error rather than a pass or a fail — its command failed, timed out or
/// printed what cannot be graded (`run exec`), or a harness said so: its `error` member is an
/// object or a string (docs/run.md, "Errors"). Its `pass` is false so that the line is a valid
/// result anywhere; `report`, `compare` and judge calibration leave it out of rates and count it.
/// The results table's `pass` column is 0 for every error, whatever its line says (migration
/// 0012), so a scan asks `sql` only of the results that did not pass.
enum ErroredResult {
    /// Whether the result line on `tape` is an error.
    static func isError(_ tape: JSONTape) -> Bool {
        guard let node = tape.member(0, "error") else { return false }
        return [.object, .string].contains(tape.nodes[node].kind)
    }

    /// SQL: whether the result record (canonical JSON text) in `column` is an error. The `instr`
    /// skips the JSON functions for the many results without the key.
    static func sql(_ column: String) -> String {
        "(instr(\(column), '\"error\": ') > 0 AND json_type(\(column), '$.error') IN ('object', 'text'))"
    }
}
