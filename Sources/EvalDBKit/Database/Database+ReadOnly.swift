import CSQLite

/// A column's value, typed as SQLite stores it.
public enum DatabaseValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension Database {
    /// Allows what reading needs (SELECT, reading tables and views, recursive CTEs, functions but
    /// those that reach the file system or load code) and denies everything else: ATTACH, VACUUM
    /// INTO, PRAGMA, transactions, writes — which SQLite would otherwise allow on a read-only
    /// connection, some of them creating files.
    func denyAllButReading() {
        sqlite3_set_authorizer(handle, readOnlyAuthorizer, nil)
    }

    /// Compiles the first statement of `sql`; returns it with the text after it (empty when `sql`
    /// held one statement).
    func prepareFirst(_ sql: String) throws -> (Statement, rest: String) {
        var statement: OpaquePointer?
        var rest = ""
        let rc = sql.withCString { text -> Int32 in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
            if let tail { rest = String(decoding: sql.utf8.dropFirst(text.distance(to: tail)), as: UTF8.self) }
            return rc
        }
        guard rc == SQLITE_OK, let statement else { throw error(rc, sql: sql) }
        return (Statement(database: self, handle: statement, sql: sql), rest)
    }
}

extension Statement {
    /// The statement does not write (`sqlite3_stmt_readonly`).
    public var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public var columnNames: [String] {
        (0..<columnCount).map { column in sqlite3_column_name(handle, column).map { String(cString: $0) } ?? "" }
    }

    /// The value of `column` in the current row, as stored. Text keeps every byte (NUL included).
    public func value(_ column: Int32) -> DatabaseValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: .integer(int(column))
        case SQLITE_FLOAT: .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT: .text(text(column))
        case SQLITE_BLOB: .blob(blob(column))
        default: .null
        }
    }
}

/// Allows what reading needs and denies everything else.
private func readOnlyAuthorizer(
    _: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
    _ second: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?
) -> Int32 {
    switch action {
    case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
        return SQLITE_OK
    case SQLITE_FUNCTION:
        let name = second.map { String(cString: $0).lowercased() } ?? ""
        return ["load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"].contains(name) ? SQLITE_DENY : SQLITE_OK
    default:
        return SQLITE_DENY
    }
}
