import Foundation
import Testing

@testable import EvalDBKit

/// The SQLite wrapper: its one transaction helper.
@Suite("The database wrapper")
struct DatabaseTests {
    /// A database with a table `t` of the values 1 to 5.
    static func numbers(_ folder: TemporaryFolder) throws -> Database {
        let db = try Database(path: folder.file("numbers.sqlite"))
        try db.execute("CREATE TABLE t(value INTEGER); INSERT INTO t VALUES (1), (2), (3), (4), (5)")
        return db
    }

    static func count(_ db: Database) throws -> Int64 { try db.scalarInt("SELECT count(*) FROM t") ?? -1 }

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
