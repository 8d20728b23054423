/// A result that is an error rather than a pass or a fail — its command failed, timed out or
/// printed what cannot be graded (`run exec`), or a harness said so: its `error` member is an
/// object or a string (docs/run.md, "Errors"). Its `pass` is false so that the line is a valid
/// result anywhere; `report`, `compare` and judge calibration leave it out of rates and count it.
enum ErroredResult {
    /// SQL: whether the result record (canonical JSON text) in `column` is an error. The `instr`
    /// skips the JSON functions for the many results without the key.
    static func sql(_ column: String) -> String {
        "(instr(\(column), '\"error\": ') > 0 AND json_type(\(column), '$.error') IN ('object', 'text'))"
    }
}
