/// An error reported by SQLite, with the statement that failed.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The primary SQLite result code (`SQLITE_BUSY` is 5, `SQLITE_CONSTRAINT` is 19, ...).
    public let resultCode: Int32
    public let message: String
    public let sql: String?

    public var description: String {
        var text = "SQLite error \(resultCode): \(message)"
        if let sql { text += " (while running: \(sql))" }
        return text
    }
}
