/// How a write transaction's body ends it (`Database.decidedWriteTransaction`).
public enum TransactionEnd<Value> {
    /// Keep the writes and return the value.
    case commit(Value)
    /// Undo every write of the body and return the value: a dry run, a change that changes nothing.
    case rollBack(Value)
}

/// The one place where evaldb begins, commits and rolls back: every write of the library goes
/// through `writeTransaction`, and a part of one that may be undone alone through `savepoint`
/// (LibraryBoundaryTests finds no transaction statement elsewhere).
extension Database {
    /// Runs `body` in a write transaction and commits when it returns, rolls back when it throws.
    ///
    /// Begun with `BEGIN IMMEDIATE`, so that two writers queue on the busy timeout instead of one
    /// failing when it would upgrade; its commit runs `afterCommit`. Inside a transaction already,
    /// `body` runs in a savepoint of it: a throw undoes its writes alone, and the outer
    /// transaction's end decides whether the rest is kept.
    public func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try decidedWriteTransaction { .commit(try body()) }
    }

    /// Runs `body` in a write transaction (as `writeTransaction` does) that `body` ends: `.commit`
    /// keeps its writes, `.rollBack` undoes them; a throw rolls back.
    public func decidedWriteTransaction<T>(_ body: () throws -> TransactionEnd<T>) throws -> T {
        if isInTransaction { return try decidedSavepoint("nested_write", body) }
        return try run(
            body, begin: "BEGIN IMMEDIATE",
            keep: {
                try execute("COMMIT")
                try afterCommit?()
            },
            undo: {
                // A failure that SQLite rolled the transaction back for leaves none to end.
                if isInTransaction { try? execute("ROLLBACK") }
            })
    }

    /// Runs `body` in a savepoint named `name` (letters and `_`) of the current transaction:
    /// released when `body` returns, rolled back to when it throws — its writes undone, the
    /// transaction left open. Outside a transaction, `body` runs in a write transaction of its own.
    public func savepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        guard isInTransaction else { return try writeTransaction(body) }
        return try decidedSavepoint(name) { .commit(try body()) }
    }

    private func decidedSavepoint<T>(_ name: String, _ body: () throws -> TransactionEnd<T>) throws -> T {
        precondition(!name.isEmpty && name.allSatisfy { $0 == "_" || $0.isASCII && $0.isLetter }, "a savepoint's name: \(name)")
        return try run(
            body, begin: "SAVEPOINT \(name)", keep: { try execute("RELEASE \(name)") },
            undo: {
                // A failure that SQLite rolled the whole transaction back for leaves no savepoint.
                guard isInTransaction else { return }
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
            })
    }

    /// Runs `begin`, then `body`; then `keep` when it ends with `.commit`, `undo` when it ends with
    /// `.rollBack`, throws, or `keep` fails.
    private func run<T>(_ body: () throws -> TransactionEnd<T>, begin: String, keep: () throws -> Void, undo: () -> Void) throws -> T {
        try execute(begin)
        let end: TransactionEnd<T>
        do {
            end = try body()
        } catch {
            undo()
            throw error
        }
        switch end {
        case .rollBack(let value):
            undo()
            return value
        case .commit(let value):
            do {
                try keep()
            } catch {
                undo()
                throw error
            }
            return value
        }
    }

    /// Runs `body` in a read transaction: every query inside sees one snapshot. Inside a
    /// transaction already, it runs in that one.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction { return try body() }
        try execute("BEGIN DEFERRED")
        defer { try? execute("COMMIT") }
        return try body()
    }
}
