/// Applies the migrations compiled into the binary, once each, in order, and records them.
struct Migrator {
    let migrations: [(name: String, sql: String)]

    static let embedded = Migrator(migrations: embeddedMigrations)

    /// Brings `database` up to date. Refuses a database that has migrations this binary does not
    /// know (made by a newer evaldb) without touching it.
    func migrate(_ database: Database) throws {
        // The common case, an up-to-date database, is settled by a read, so that opening a
        // database never waits on a writer.
        if try appliedMigrations(database) == Set(migrations.map(\.name)) { return }
        try database.writeTransaction {
            try database.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))
                """)
            var applied: Set<String> = []
            let rows = try database.prepare("SELECT name FROM schema_migrations")
            while try rows.step() { applied.insert(rows.text(0)) }
            let known = Set(migrations.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw EvalDBError.newerDatabase(path: database.path, migration: unknown)
            }
            let record = try database.prepare("INSERT INTO schema_migrations(name) VALUES (?)")
            for migration in migrations where !applied.contains(migration.name) {
                try database.execute(migration.sql)
                try record.run([.text(migration.name)])
            }
        }
    }

    /// The migrations recorded in `database`, or nil when it has no migrations table yet.
    private func appliedMigrations(_ database: Database) throws -> Set<String>? {
        try database.readTransaction {
            guard
                try database.scalarInt(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") == 1
            else { return nil }
            var applied: Set<String> = []
            let rows = try database.prepare("SELECT name FROM schema_migrations")
            while try rows.step() { applied.insert(rows.text(0)) }
            return applied
        }
    }
}
