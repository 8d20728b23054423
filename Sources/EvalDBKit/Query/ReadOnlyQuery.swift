import Foundation

/// The rows a query returned.
public struct QueryResult: Sendable {
    public typealias Value = DatabaseValue

    public var columns: [String]
    public var rows: [[Value]]
}

/// A connection for `sql` that cannot write by any path: opened read-only, `query_only`,
/// extension loading off, one statement at a time, and an authorizer that allows reading and
/// nothing else (so no ATTACH or VACUUM INTO, which could create files even on a read-only
/// connection, no PRAGMA, no transaction, no write).
public final class ReadOnlyQuery {
    private let database: Database

    public init(path: String) throws {
        database = try Database(path: path, mode: .readOnly)
        try database.execute("PRAGMA query_only = ON")
        database.denyAllButReading()
    }

    /// Runs one statement. Anything but a read fails with a message saying what is allowed.
    public func run(_ sql: String) throws -> QueryResult {
        let statement: Statement, rest: String
        do {
            (statement, rest) = try database.prepareFirst(sql)
        } catch let error as DatabaseError {
            if error.isNotAuthorized || error.message.contains("not authorized") { throw EvalDBError.queryRefused(error.message) }
            throw EvalDBError.queryInvalid("the query does not compile: \(error.message)")
        }
        guard Self.isBlank(rest) else { throw EvalDBError.queryInvalid("give one statement at a time (found more after the first)") }
        guard statement.isReadOnly else { throw EvalDBError.queryRefused("the statement would write") }
        let count = statement.columnCount
        var result = QueryResult(columns: statement.columnNames, rows: [])
        do {
            while try statement.step() { result.rows.append((0..<count).map(statement.value)) }
        } catch let error as DatabaseError {
            throw EvalDBError.queryInvalid("the query failed: \(error.message)")
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
