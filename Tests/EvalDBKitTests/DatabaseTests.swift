import Foundation
import Testing

@testable import EvalDBKit

/// The SQLite wrapper: its statement cache and its one transaction helper.
@Suite("The database wrapper")
struct DatabaseTests {
    /// A database with a table `t` of the values 1 to 5.
    static func numbers(_ folder: TemporaryFolder) throws -> Database {
        let db = try Database(path: folder.file("numbers.sqlite"))
        try db.execute("CREATE TABLE t(value INTEGER); INSERT INTO t VALUES (1), (2), (3), (4), (5)")
        return db
    }

    static func count(_ db: Database) throws -> Int64 { try db.scalarInt("SELECT count(*) FROM t") ?? -1 }

    // MARK: - The statement cache

    @Test("a cached statement is compiled once: the next use of the same SQL gets it back")
    func cachedStatementIsReused() throws {
        let folder = try TemporaryFolder()
        let db = try Self.numbers(folder)
        let sql = "SELECT value FROM t WHERE value > ?"
        let idle = db.statementCache.count
        var first: OpaquePointer?
        do {
            let statement = try db.cachedStatement(sql)
            first = statement.handle
            try statement.bind([.int(3)])
            #expect(try statement.step() && statement.int(0) == 4)
        }
        #expect(db.statementCache.count == idle + 1)
        let again = try db.cachedStatement(sql)
        #expect(again.handle == first)
        #expect(db.statementCache.count == idle, "in use, out of the cache")
    }

    @Test("a cached statement comes back reset, with no binding left from its last use")
    func cachedStatementComesBackClean() throws {
        let folder = try TemporaryFolder()
        let db = try Self.numbers(folder)
        let sql = "SELECT count(*), ?1 IS NULL FROM t WHERE value > ifnull(?1, 0)"
        do {
            let statement = try db.cachedStatement(sql)
            try statement.bind([.int(4)])
            #expect(try statement.step() && statement.int(0) == 1)
            // Left in the middle of its rows: the next use must not see them.
        }
        let again = try db.cachedStatement(sql)
        #expect(try again.step())
        #expect(again.int(0) == 5 && again.int(1) == 1, "the parameter is NULL again")
    }

    @Test("a second use of a SQL text while the first is still stepping gets a statement of its own")
    func nestedUseGetsItsOwnStatement() throws {
        let folder = try TemporaryFolder()
        let db = try Self.numbers(folder)
        let sql = "SELECT value FROM t ORDER BY value"
        let outer = try db.cachedStatement(sql)
        var seen: [Int64] = []
        while try outer.step(), seen.count < 10 {
            seen.append(outer.int(0))
            let inner = try db.cachedStatement(sql)
            #expect(inner.handle != outer.handle)
            var innerRows = 0
            while try inner.step() { innerRows += 1 }
            #expect(innerRows == 5)
        }
        #expect(seen == [1, 2, 3, 4, 5], "the inner uses never reset the outer one's rows")
    }

    @Test("closing the connection finalizes its cached statements: it really closes (its WAL file is gone)")
    func closingFinalizesCachedStatements() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("numbers.sqlite")
        do {
            let db = try Self.numbers(folder)
            _ = try Self.count(db)  // a cached statement, kept after its use
            #expect(db.statementCache.count > 0)
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
        // SQLite removes the WAL file when the last connection closes; a connection with a
        // statement left unfinalized stays open (a "zombie") and keeps it.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    // MARK: - Transactions

    @Test("a write transaction commits when its body returns and rolls back when it throws")
    func writeTransactionCommitsOrRollsBack() throws {
        let folder = try TemporaryFolder()
        let db = try Self.numbers(folder)
        try db.writeTransaction { try db.execute("INSERT INTO t VALUES (6)") }
        #expect(try Self.count(db) == 6)
        #expect(throws: EvalDBError.self) {
            try db.writeTransaction {
                try db.execute("INSERT INTO t VALUES (7)")
                throw EvalDBError.emptyVersion
            }
        }
        #expect(try Self.count(db) == 6)
        #expect(!db.isInTransaction)
    }

    @Test("a body that ends its transaction with .rollBack returns its value and keeps no write")
    func rollBackEndReturnsValue() throws {
        let folder = try TemporaryFolder()
        let db = try Self.numbers(folder)
        let seen = try db.decidedWriteTransaction { () -> TransactionEnd<Int64> in
            try db.execute("DELETE FROM t")
            return .rollBack(try Self.count(db))
        }
        #expect(seen == 0)
        #expect(try Self.count(db) == 5)
        #expect(!db.isInTransaction)
    }

    @Test("a write transaction inside another is a savepoint: its throw undoes its own writes, the outer one's are kept")
    func nestedWriteTransactionIsASavepoint() throws {
        let folder = try TemporaryFolder()
        let db = try Self.numbers(folder)
        var commits = 0
        db.afterCommit = { commits += 1 }
        try db.writeTransaction {
            try db.execute("INSERT INTO t VALUES (6)")
            #expect(throws: EvalDBError.self) {
                try db.writeTransaction {
                    try db.execute("INSERT INTO t VALUES (7)")
                    throw EvalDBError.emptyVersion
                }
            }
            try db.writeTransaction { try db.execute("INSERT INTO t VALUES (8)") }
            #expect(db.isInTransaction, "the outer transaction is still open")
        }
        #expect(commits == 1, "one commit, the outermost's")
        let rows = try db.prepare("SELECT value FROM t WHERE value > 5 ORDER BY value")
        var values: [Int64] = []
        while try rows.step() { values.append(rows.int(0)) }
        #expect(values == [6, 8])
    }

    @Test("a savepoint rolled back to undoes its writes and leaves the transaction open to go on")
    func savepointRollsBackToItsStart() throws {
        let folder = try TemporaryFolder()
        let db = try Self.numbers(folder)
        try db.writeTransaction {
            try db.execute("INSERT INTO t VALUES (6)")
            #expect(throws: EvalDBError.self) {
                try db.savepoint("attempt") {
                    try db.execute("DELETE FROM t")
                    throw EvalDBError.emptyVersion
                }
            }
            #expect(try Self.count(db) == 6)
            try db.savepoint("attempt") { try db.execute("INSERT INTO t VALUES (7)") }
        }
        #expect(try Self.count(db) == 7)
    }
}
