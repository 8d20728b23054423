/// An error reported by SQLite, with the statement that failed.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The primary SQLite result code (`SQLITE_BUSY` is 5, `SQLITE_CONSTRAINT` is 19, ...).
    public let resultCode: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE` is 2067, ...); the primary one when
    /// SQLite gave no more.
    public let extendedResultCode: Int32
    public let message: String
    public let sql: String?

    public init(resultCode: Int32, message: String, sql: String?) {
        self.init(extendedResultCode: resultCode, message: message, sql: sql)
    }

    public init(extendedResultCode: Int32, message: String, sql: String?) {
        self.resultCode = extendedResultCode & 0xff
        self.extendedResultCode = extendedResultCode
        self.message = message
        self.sql = sql
    }

    /// A UNIQUE or PRIMARY KEY constraint failed (not a CHECK, NOT NULL or foreign key one).
    public var isUniqueViolation: Bool { extendedResultCode == 2067 || extendedResultCode == 1555 }

    /// The authorizer refused the statement (`SQLITE_AUTH`).
    public var isNotAuthorized: Bool { resultCode == 23 }

    public var description: String {
        var text = "SQLite error \(resultCode): \(message)"
        if let sql { text += " (while running: \(sql))" }
        return text
    }
}
