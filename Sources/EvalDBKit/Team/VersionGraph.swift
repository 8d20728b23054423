import Crypto
import Foundation

/// What every clone agrees on about a version (docs/teams.md, "Versions form a graph"): its
/// author, date, message, parents and counts are decided by one rule that does not depend on which
/// clone synced first —
///
/// 1. the earliest `version` event of the team log naming its hash (by `at`, then event id);
/// 2. else the earliest commit holding it at a dataset path (one none of whose ancestors holds it,
///    then by author date, then by commit id), with the datasets of that commit's parents as its
///    parents;
/// 3. else this database's own first row holding it (a version made outside a repository).
///
/// `version_info` holds the outcome, rebuilt for a hash whenever what it is derived from grows.
extension Store {
    /// Records a `version` event (made here, or read from the log) in `version_records`.
    func recordVersionEvent(_ event: LogEvent, file: String?) throws {
        guard let hash = event.string("hash"), let author = event.string("by") else { return }
        let parents = event.json("parents").flatMap { $0 == "null" ? nil : $0 }
        try database.cachedStatement(
            """
            INSERT OR IGNORE INTO version_records(event, hash, at, author, message, path, parents, base, blob, counts, file, git_commit)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run([
            .text(event.id), .text(hash), .text(event.at), .text(author), event.string("message").map(SQLValue.text) ?? .null,
            event.string("path").map(SQLValue.text) ?? .null, parents.map(SQLValue.text) ?? .null,
            event.string("base").map(SQLValue.text) ?? .null, event.string("blob").map(SQLValue.text) ?? .null,
            event.json("counts").flatMap { $0 == "null" ? nil : SQLValue.text($0) } ?? .null, file.map(SQLValue.text) ?? .null,
            event.string("commit").map(SQLValue.text) ?? .null,
        ])
    }

    /// Rebuilds `version_info` for each of `hashes` this database holds (every one when nil).
    func refreshVersionInfo(_ hashes: [String]? = nil) throws {
        try database.writeTransaction {
            var all = hashes ?? []
            if hashes == nil {
                let rows = try database.prepare("SELECT hash FROM stored_versions GROUP BY hash ORDER BY min(number)")
                while try rows.step() { all.append(rows.text(0)) }
            }
            for hash in all { try deriveVersionInfo(hash) }
        }
    }

    /// The rule `version_info` was derived by: a database derived by another rule (an older evaldb)
    /// is derived again when opened.
    static let versionInfoRule = "4"

    /// Fills `version_info` for the hashes that have none (a database made before it existed), or
    /// for every hash when it was derived by another rule.
    func deriveMissingVersionInfo() throws {
        let rule = try database.scalarText("SELECT value FROM settings WHERE key = 'version_info_rule'")
        let missing =
            try database.scalarInt(
                "SELECT count(*) FROM (SELECT DISTINCT hash FROM stored_versions) WHERE hash NOT IN (SELECT hash FROM version_info)") ?? 0
        if missing == 0 && rule == Self.versionInfoRule { return }
        try database.writeTransaction {
            try refreshVersionInfo()
            try database.prepare("INSERT OR REPLACE INTO settings(key, value) VALUES ('version_info_rule', ?)").run([.text(Self.versionInfoRule)])
        }
    }

    private func deriveVersionInfo(_ hash: String) throws {
        let first = try database.prepare(
            """
            SELECT number, created_at, author, message, source_path, \(DatasetVersion.commit("stored_versions")), example_count,
                   added, changed, removed, restored, unchanged
            FROM stored_versions WHERE hash = ? ORDER BY number LIMIT 1
            """)
        try first.bind([.text(hash)])
        guard try first.step() else { return }
        let number = first.int(0)
        var info = (
            at: first.text(1), author: first.text(2), message: first.optionalText(3), path: first.optionalText(4),
            commit: first.optionalText(5), origin: "local", parents: [String]()
        )
        let examples = first.int(6)
        var counts: ChangeCounts? = nil
        let previousHash = try database.scalarText("SELECT hash FROM stored_versions WHERE number = ?", [.int(number - 1)])
        let rowCounts = ChangeCounts(
            added: Int(first.int(7)), changed: Int(first.int(8)), removed: Int(first.int(9)), restored: Int(first.int(10)),
            unchanged: Int(first.int(11)))
        first.reset()

        let record = try database.prepare(
            """
            SELECT at, author, message, path, parents, counts, git_commit FROM version_records WHERE hash = ? ORDER BY at, event LIMIT 1
            """)
        try record.bind([.text(hash)])
        let commit = try earliestCommit(holding: hash)
        if try record.step() {
            info.at = record.text(0)
            info.author = record.text(1)
            info.message = record.optionalText(2)
            info.path = record.optionalText(3) ?? info.path
            info.origin = "event"
            if let parents = record.optionalText(4) {
                info.parents = HashList.decode(parents)
            } else if let commit {
                info.parents = commit.parents  // a record from before versions had parents
            } else {
                info.parents = previousHash.map { [$0] } ?? []
            }
            if let text = record.optionalText(5) { counts = Self.counts(fromJSON: text) }
            info.commit = record.optionalText(6) ?? commit?.id ?? info.commit
        } else if let commit {
            (info.at, info.author, info.message, info.path) = (commit.date, commit.author, commit.subject, commit.path)
            info.commit = commit.id
            info.origin = "commit"
            info.parents = commit.parents
        } else {
            info.parents = previousHash.map { [$0] } ?? []
        }
        record.reset()
        info.parents = info.parents.filter { $0 != hash }
        if counts == nil {
            // A version no clone recorded counts for: against its first parent, as every clone
            // works them out (the row's own counts are against whatever row came before it here).
            if info.origin == "local" && (info.parents.first == previousHash || (info.parents.isEmpty && previousHash == nil)) {
                counts = rowCounts
            } else if info.parents.isEmpty {
                counts = ChangeCounts(added: Int(examples))
            } else if let parent = try version(hash: info.parents[0]), let this = try version(hash: hash) {
                counts = try changeCounts(from: parent, to: this)
            }
        }
        let c = counts ?? rowCounts
        try database.prepare(
            """
            INSERT OR REPLACE INTO version_info(hash, number, created_at, author, message, path, git_commit, parents, origin,
                                                example_count, added, changed, removed, restored, unchanged)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run([
            .text(hash), .int(number), .text(info.at), .text(info.author), info.message.map(SQLValue.text) ?? .null,
            info.path.map(SQLValue.text) ?? .null, info.commit.map(SQLValue.text) ?? .null, .text(HashList.encode(info.parents)),
            .text(info.origin), .int(examples), .int(Int64(c.added)), .int(Int64(c.changed)), .int(Int64(c.removed)),
            .int(Int64(c.restored)), .int(Int64(c.unchanged)),
        ])
    }

    /// The earliest commit that holds `hash` at a dataset path — one none of whose ancestors holds
    /// it, then by author date, then by id — with the datasets its parent commits hold there.
    private func earliestCommit(holding hash: String) throws -> (
        id: String, path: String, author: String, date: String, subject: String, parents: [String]
    )? {
        // Those that brought it (no parent holds it) first, then by date and id; of those, the first
        // that no ancestor holds it in (it came back after a change: the ancestor brought it).
        let rows = try database.prepare(
            """
            SELECT c.git_commit, c.path, c.author, c.date, c.subject, c.parents FROM commit_datasets c WHERE c.hash = ?
            ORDER BY EXISTS (SELECT 1 FROM json_each(c.parents) p
                             JOIN commit_datasets d ON d.git_commit = p.value AND d.path = c.path AND d.hash = c.hash),
                     c.date, c.git_commit
            """)
        try rows.bind([.text(hash)])
        var candidates: [(id: String, path: String, author: String, date: String, subject: String, parents: String)] = []
        while try rows.step() {
            candidates.append((rows.text(0), rows.text(1), rows.text(2), rows.text(3), rows.text(4), rows.text(5)))
        }
        rows.reset()
        guard !candidates.isEmpty else { return nil }
        let ancestorHolds = try database.prepare(
            """
            WITH RECURSIVE ancestor(id) AS (
                SELECT p.value FROM json_each(?1) p
                UNION SELECT p.value FROM ancestor a JOIN commit_datasets d ON d.git_commit = a.id AND d.path = ?2, json_each(d.parents) p)
            SELECT count(*) FROM ancestor a JOIN commit_datasets d ON d.git_commit = a.id AND d.path = ?2 AND d.hash = ?3
            """)
        var chosen = candidates[0]
        for candidate in candidates.prefix(8) {
            try ancestorHolds.bind([.text(candidate.parents), .text(candidate.path), .text(hash)])
            let held = try ancestorHolds.step() && ancestorHolds.int(0) > 0
            ancestorHolds.reset()
            if !held {
                chosen = candidate
                break
            }
        }
        let (id, path) = (chosen.id, chosen.path)
        let parentCommits = HashList.decode(chosen.parents)
        let result = (id: id, path: path, author: chosen.author, date: chosen.date, subject: chosen.subject, parents: [String]())
        var parents: [String] = []
        for parent in parentCommits {
            if let parentHash = try database.scalarText(
                "SELECT hash FROM commit_datasets WHERE git_commit = ? AND path = ? AND hash IS NOT NULL", [.text(parent), .text(path)]),
                parentHash != hash, !parents.contains(parentHash)
            {
                parents.append(parentHash)
            }
        }
        return (result.id, result.path, result.author, result.date, result.subject, parents)
    }

    private static func counts(fromJSON text: String) -> ChangeCounts? {
        guard let tape = try? JSONParser.parse(text), tape.nodes.first?.kind == .object else { return nil }
        func value(_ key: String) -> Int { tape.member(0, key).flatMap { Int(tape.string($0)) } ?? 0 }
        return ChangeCounts(
            added: value("added"), changed: value("changed"), removed: value("removed"), restored: value("restored"),
            unchanged: value("unchanged"))
    }
}

/// Git's id of a file's blob (`git hash-object FILE`): the SHA-1 of `blob SIZE\0` and the bytes.
/// A version's record carries the blob of its canonical file, so that `sync` knows which commits
/// hold it without reading them.
enum GitBlob {
    static func id(ofFile path: String) throws -> String {
        var hasher = Insecure.SHA1()
        guard let size = Store.fileStat(path)?.size else { throw EvalDBError.cannotRead(path: path, reason: "cannot stat") }
        hasher.update(data: Array("blob \(size)\0".utf8))
        guard let handle = FileHandle(forReadingAtPath: path) else { throw EvalDBError.cannotRead(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().hexString
    }
}
