import Crypto

extension Store {
    /// Checks the database: SQLite's integrity check, every version's stored hash against the hash
    /// of its export, and that revisions, example heads and version counts agree. Returns what is
    /// wrong, empty when all is well.
    public func verify() throws -> [String] {
        var problems: [String] = []
        let integrity = try database.prepare("PRAGMA integrity_check")
        while try integrity.step() {
            let line = integrity.text(0)
            if line != "ok" { problems.append("integrity_check: \(line)") }
        }
        if !problems.isEmpty { return problems }

        try database.readTransaction {
            let rows = try storedRows()
            for (offset, version) in rows.enumerated() where version.row != offset + 1 {
                problems.append("versions are not numbered 1, 2, 3...: found \(version.row) at position \(offset + 1)")
                break
            }
            for version in rows {
                var lines = 0
                let hash = try export(version) { chunk in lines += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
                if hash != version.hash {
                    problems.append("version \(version.row): stored hash \(version.hash) but its export hashes to \(hash)")
                }
                if lines != version.exampleCount {
                    problems.append("version \(version.row): records \(version.exampleCount) examples but exports \(lines)")
                }
            }
            try check(
                "SELECT key, id FROM stored_examples e WHERE head IS NOT (SELECT max(rev) FROM stored_revisions WHERE example = e.key)",
                "example %2 (key %1): its head is not its latest revision", into: &problems)
            try check(
                """
                SELECT e.key, e.id FROM \(StorageModel.headJoin)
                WHERE (e.head_sha256 IS NULL) != (r.kind = 'removed')
                   OR (length(e.head_sha256) > 0 AND e.head_sha256 IS NOT r.sha256)
                """, "example %2 (key %1): its head digest does not match its head revision", into: &problems)
            try check(
                """
                SELECT rev, kind, previous FROM (
                    SELECT rev, kind, lag(kind) OVER (PARTITION BY example ORDER BY version, rev) AS previous FROM stored_revisions)
                WHERE (previous IS NULL AND kind != 'added')
                   OR (previous = 'removed' AND kind NOT IN ('restored', 'added'))
                   OR (previous != 'removed' AND kind NOT IN ('changed', 'removed'))
                """, "revision %1: kind %2 cannot follow %3", into: &problems)
            try check(
                """
                SELECT v.number, v.added + v.changed + v.removed + v.restored,
                       (SELECT count(*) FROM stored_revisions r WHERE r.version = v.number)
                FROM stored_versions v
                WHERE v.added + v.changed + v.removed + v.restored != (SELECT count(*) FROM stored_revisions r WHERE r.version = v.number)
                """, "version %1: counts %2 changes but has %3 revisions", into: &problems)
            let digests = try database.prepare("SELECT rev, record, sha256 FROM stored_revisions WHERE record IS NOT NULL")
            while try digests.step() {
                let record = digests.bytes(1)
                if Array(SHA256.hash(data: record)) != digests.blob(2) {
                    problems.append("revision \(digests.int(0)): stored SHA-256 does not match its record")
                }
            }
        }
        return problems
    }

    /// Runs `sql` and turns each row into a problem: `%1`, `%2`... stand for its columns.
    private func check(_ sql: String, _ template: String, into problems: inout [String]) throws {
        let rows = try database.prepare(sql)
        var count = 0
        while try rows.step() {
            count += 1
            if count > 20 { problems.append("... and more like the above"); break }
            var message = template
            for column in (1...3).reversed() where message.contains("%\(column)") {
                message = message.replacingOccurrences(of: "%\(column)", with: rows.optionalText(Int32(column - 1)) ?? "none")
            }
            problems.append(message)
        }
    }
}
