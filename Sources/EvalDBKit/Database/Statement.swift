import CSQLite

/// A value bound to a statement parameter.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A compiled statement. Bind, step, read columns, reset to run again.
public final class Statement {
    let handle: OpaquePointer
    let database: Database
    public let sql: String
    /// Given back to the connection's cache when released, instead of finalized
    /// (`Database.cachedStatement`).
    private let cached: Bool

    init(database: Database, sql: String, cached: Bool = false) throws {
        var statement: OpaquePointer?
        let flags = cached ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, flags, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw database.error(rc, sql: sql) }
        self.handle = statement
        self.database = database
        self.sql = sql
        self.cached = cached
    }

    /// A statement compiled by the caller (`Database.prepareFirst`), or taken from the cache.
    init(database: Database, handle: OpaquePointer, sql: String, cached: Bool = false) {
        self.handle = handle
        self.database = database
        self.sql = sql
        self.cached = cached
    }

    deinit {
        if cached { database.statementCache.giveBack(handle, sql: sql) } else { sqlite3_finalize(handle) }
    }

    /// Binds `values` to parameters 1, 2, ... after clearing the previous run.
    public func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    public func bind(_ value: SQLValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .int(let number): rc = sqlite3_bind_int64(handle, index, number)
        case .real(let number): rc = sqlite3_bind_double(handle, index, number)
        case .text(let text): rc = sqlite3_bind_text(handle, index, text, -1, sqliteTransient)
        case .blob(let bytes): rc = bytes.withUnsafeBytes { bindBytes(index, $0, text: false) }
        }
        try check(rc)
    }

    /// Binds raw bytes as TEXT (they must be UTF-8) or BLOB without building a Swift value.
    public func bind(bytes: UnsafeRawBufferPointer, at index: Int32, asText: Bool) throws {
        try check(bindBytes(index, bytes, text: asText))
    }

    public func bind(_ number: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, number))
    }

    private func bindBytes(_ index: Int32, _ bytes: UnsafeRawBufferPointer, text: Bool) -> Int32 {
        // A zero-length buffer may have a nil base address: SQLite needs a non-nil pointer for "".
        let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        return text
            ? sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), sqliteTransient)
            : sqlite3_bind_blob(handle, index, base, Int32(bytes.count), sqliteTransient)
    }

    /// Advances to the next row: true when there is one, false when done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite3_reset(handle)
            throw database.error(rc, sql: sql)
        }
    }

    /// Runs the statement, with what is bound, to completion and resets it for the next run.
    public func stepToEnd() throws {
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Runs the statement to completion with `values` bound.
    public func run(_ values: [SQLValue] = []) throws {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    public func reset() { sqlite3_reset(handle) }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }
    /// A REAL column's value as stored, every bit (its text form would keep 15 digits).
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    public func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
    public func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// The column's bytes, valid only until the next step or reset. No copy.
    public func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }
    public func blob(_ column: Int32) -> [UInt8] { Array(bytes(column)) }

    private func check(_ rc: Int32) throws {
        if rc != SQLITE_OK { throw database.error(rc, sql: sql) }
    }
}
