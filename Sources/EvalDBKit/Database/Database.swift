import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `SQLITE_TRANSIENT` is a macro Swift does not import: SQLite copies the bound bytes.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection. Every `sqlite3_*` call of evaldb lives in this folder.
///
/// Not thread-safe: use one connection per thread.
public final class Database {
    let handle: OpaquePointer
    public let path: String

    public enum Mode: Sendable {
        case readWrite, readOnly
        /// A database file that nobody else knows of yet (see `Store.importIntoNewDatabase`): no
        /// journal and no syncing while it is built; `finishBuilding()` makes it an ordinary one.
        case building
    }

    /// Opens (and with `.readWrite` creates) the database at `path`, with WAL, foreign keys and a
    /// busy timeout so that concurrent commands wait for each other instead of failing.
    public init(path: String, mode: Mode = .readWrite, busyTimeoutMilliseconds: Int32 = 60_000) throws {
        var db: OpaquePointer?
        let flags =
            (mode == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        // Read-only in a folder this user cannot write, with no -shm beside the file: SQLite cannot
        // make the WAL index it reads through, so the file is opened as immutable (no writer can
        // be in the middle of a commit: a WAL database with no -shm has none).
        let immutable = mode == .readOnly && !Self.canMakeFiles(beside: path) && !Self.exists(path + "-shm")
        let rc =
            immutable
            ? sqlite3_open_v2(Self.immutableURI(path), &db, flags | SQLITE_OPEN_URI, nil)
            : sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw DatabaseError(resultCode: rc, message: "cannot open \(path): \(message)", sql: nil)
        }
        handle = db
        self.path = path
        busyTimeout = busyTimeoutMilliseconds
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        var unused: Int32 = 0
        _ = evaldb_sqlite3_db_config_int(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, &unused)
        _ = evaldb_sqlite3_db_config_int(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &unused)
        if mode == .building {
            try execute("PRAGMA page_size = 16384")
            try execute("PRAGMA journal_mode = OFF")
            try execute("PRAGMA synchronous = OFF")
        } else if mode == .readWrite {
            // 16 KiB pages for a new database (no effect on an existing one): records of about a
            // kilobyte waste less space, and a first import writes fewer, larger pages.
            try execute("PRAGMA page_size = 16384")
            if try scalarText("PRAGMA journal_mode") != "wal" { try execute("PRAGMA journal_mode = WAL") }
            // FULL: a commit is on disk before `import` reports it (survives power loss in WAL mode).
            try execute("PRAGMA synchronous = FULL")
        }
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA cache_size = \(Self.cacheSize)")
    }

    let busyTimeout: Int32
    /// The busy handler a test installed (`observeBusyWaits`), kept while the connection lives.
    var busyObserver: BusyObserver?

    /// Whether this user may create files in the folder of `path` (SQLite's -wal, -shm, -journal).
    static func canMakeFiles(beside path: String) -> Bool {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        return access(folder, W_OK) == 0
    }

    private static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// `file:PATH?immutable=1`, the path percent-encoded as SQLite's URI filenames need.
    private static func immutableURI(_ path: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0..<0x21, 0x7F...:
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: encoded.append(byte)
            }
        }
        return "file:" + String(decoding: encoded, as: UTF8.self) + "?immutable=1"
    }

    /// The page cache of a connection (`PRAGMA cache_size`): 32 MiB.
    static let cacheSize = -32768

    /// Runs `body` with a 4 MiB page cache: for a pass that reads each page once (a scan of every
    /// result of a run, every record of a version), where a larger cache only holds memory.
    public func scanning<T>(_ body: () throws -> T) throws -> T {
        try execute("PRAGMA cache_size = -4096")
        defer { try? execute("PRAGMA cache_size = \(Self.cacheSize)") }
        return try body()
    }

    /// Runs `body` without waiting on other connections: where it would wait, it fails at once
    /// (for writes that may be skipped, such as saving a cache).
    func withoutWaiting<T>(_ body: () throws -> T) rethrows -> T {
        sqlite3_busy_timeout(handle, 0)
        defer { sqlite3_busy_timeout(handle, busyTimeout) }
        return try body()
    }

    deinit {
        statementCache.finalizeAll()
        sqlite3_close_v2(handle)
    }

    /// Makes a database built with `.building` an ordinary one: WAL, and everything on disk.
    func finishBuilding() throws {
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = FULL")
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw DatabaseError(resultCode: SQLITE_CANTOPEN, message: "cannot reopen \(path)", sql: nil) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw DatabaseError(resultCode: SQLITE_IOERR, message: "cannot sync \(path)", sql: nil) }
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw DatabaseError(extendedResultCode: rc, message: message, sql: sql)
        }
    }

    /// Compiles one statement, finalized when it is released.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// The statements kept compiled between uses (`cachedStatement`).
    var statementCache = StatementCache()

    /// A compiled statement of `sql` from the connection's cache (compiled on first use): for a
    /// statement run again and again, once an event, an example or a request. It is the caller's
    /// alone until released, then reset, its bindings cleared, and kept for the next use of the
    /// same SQL; a use while another is still stepping gets a statement of its own.
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache.take(sql) {
            return Statement(database: self, handle: statement, sql: sql, cached: true)
        }
        return try Statement(database: self, sql: sql, cached: true)
    }

    /// Called after each commit of a write transaction (Database+Transactions.swift): what must
    /// follow a commit and never precede it (the team log's outbox, Team/Outbox.swift).
    var afterCommit: (() throws -> Void)?

    /// True inside `BEGIN ... COMMIT`.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// What this connection knows of changes to the database: a commit of any other connection
    /// (of this process or another) changes `PRAGMA data_version`, a change made through this one
    /// changes its count of changed rows. Two equal marks taken on one connection mean that
    /// nothing changed in between (what a cache of query results is checked against).
    public func changeMark() throws -> ChangeMark {
        ChangeMark(dataVersion: try scalarInt("PRAGMA data_version") ?? 0, ownChanges: sqlite3_total_changes64(handle))
    }

    public struct ChangeMark: Equatable, Sendable {
        var dataVersion: Int64
        var ownChanges: Int64
    }

    /// The first column of the first row of `sql`, or nil. The statement is cached.
    public func scalarInt(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int64? {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        return try statement.step() ? statement.optionalInt(0) : nil
    }

    public func scalarText(_ sql: String, _ arguments: [SQLValue] = []) throws -> String? {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        return try statement.step() ? statement.optionalText(0) : nil
    }

    func error(_ rc: Int32, sql: String?) -> DatabaseError {
        DatabaseError(extendedResultCode: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}
