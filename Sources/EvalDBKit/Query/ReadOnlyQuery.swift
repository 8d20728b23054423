import CSQLite

/// The rows a query returned.
public struct QueryResult: Sendable {
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
    }

    public var columns: [String]
    public var rows: [[Value]]
}

/// A connection for `evaldb sql` that cannot write by any path: opened read-only, `query_only`,
/// extension loading off, one statement at a time, and an authorizer that allows reading and
/// nothing else (so no ATTACH or VACUUM INTO, which could create files even on a read-only
/// connection, no PRAGMA, no transaction, no write).
public final class ReadOnlyQuery {
    private let database: Database

    public init(path: String) throws {
        database = try Database(path: path, mode: .readOnly)
        for view in QueryViews.definitions { try database.execute(view) }
        try database.execute("PRAGMA query_only = ON")
        sqlite3_set_authorizer(database.handle, readOnlyAuthorizer, nil)
    }

    /// Runs one statement. Anything but a read fails with a message saying what is allowed.
    public func run(_ sql: String) throws -> QueryResult {
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let rc = sql.withCString { sqlite3_prepare_v2(database.handle, $0, -1, &statement, &tail) }
        let rest = tail.map { String(cString: $0) } ?? ""
        guard rc == SQLITE_OK, let statement else {
            let message = String(cString: sqlite3_errmsg(database.handle))
            if rc == SQLITE_AUTH || message.contains("not authorized") {
                throw EvalDBError.queryRefused(message)
            }
            throw EvalDBError.queryInvalid("the query does not compile: \(message)")
        }
        defer { sqlite3_finalize(statement) }
        guard Self.isBlank(rest) else { throw EvalDBError.queryInvalid("give one statement at a time (found more after the first)") }
        guard sqlite3_stmt_readonly(statement) != 0 else { throw EvalDBError.queryRefused("the statement would write") }
        let count = sqlite3_column_count(statement)
        var result = QueryResult(columns: (0..<count).map { String(cString: sqlite3_column_name(statement, $0)) }, rows: [])
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                throw EvalDBError.queryInvalid("the query failed: \(String(cString: sqlite3_errmsg(database.handle)))")
            }
            result.rows.append((0..<count).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: .text(String(cString: sqlite3_column_text(statement, column)))
                case SQLITE_BLOB:
                    .blob(Array(UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, column),
                                                       count: Int(sqlite3_column_bytes(statement, column)))))
                default: .null
                }
            })
        }
        return result
    }

    /// White space and comments only.
    static func isBlank(_ sql: String) -> Bool {
        var rest = Substring(sql)
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == ";" }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*") {
                guard let end = rest.range(of: "*/") else { return true }
                rest = rest[end.upperBound...]
            } else {
                return rest.isEmpty
            }
        }
    }
}

/// Allows what reading needs and denies everything else.
private func readOnlyAuthorizer(_: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
                                _ second: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?) -> Int32 {
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
