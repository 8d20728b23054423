import Crypto
import Foundation

extension Store {
    /// Writes `change` as one new version, in one transaction: a revision for each example it adds,
    /// changes, restores or removes (`RevisionWriter`, as `importFile` writes them), the version's
    /// row with its line order when that is not ascending, its dataset hash read from the new state,
    /// and — when the version is the repository's — its record and change set for the team log,
    /// written after the commit (`TeamLog`). `beforeCommit` runs inside the transaction with the new
    /// row's number: writes that must land with the version or not at all.
    ///
    /// Puts are checked as a dataset file's lines are (`source`'s line N is the Nth put); a problem
    /// throws `EvalDBError.invalidData` and nothing is written. A change that leaves the dataset as
    /// it is makes no version (`unchanged`).
    @discardableResult
    public func commit(_ change: VersionChange, beforeCommit: ((Int) throws -> Void)? = nil) throws -> ImportResult {
        // Inside a caller's transaction, neither the current version nor the new one is known to be
        // committed: their keys are not kept.
        let outermost = !database.isInTransaction
        var (result, order) = try database.decidedWriteTransaction {
            try write(change, beforeCommit: beforeCommit, currentIsCommitted: outermost)
        }
        guard result.outcome == .created else { return result }
        if outermost { lineKeysCache.remember(order, of: result.version) }
        result.version = try version(hash: result.version.hash) ?? result.version
        return result
    }

    /// The writes of `commit`, in its transaction, and the new version's keys in line order; rolled
    /// back when the change makes no version, or is a dry run.
    private func write(_ change: VersionChange, beforeCommit: ((Int) throws -> Void)?, currentIsCommitted: Bool) throws
        -> TransactionEnd<(ImportResult, order: [Int64])>
    {
        let db = database
        let current = try currentVersion()
        let before = try current.map { try lineKeys(of: $0, committed: currentIsCommitted) } ?? []
        var liveBefore = BitSet()
        for key in before { liveBefore.insert(key) }
        let writer = try RevisionWriter(database: db, version: Int64((current?.row ?? 0) + 1))
        var counts = ChangeCounts()
        var problems: [DataError] = []
        var touched = BitSet()
        var appended: [Int64] = []
        var removedKeys = BitSet()

        let checkedPuts = CheckedPut.checking(change.puts)
        for (index, checking) in checkedPuts.enumerated() {
            func problem(_ column: Int, _ message: String) {
                problems.append(DataError(file: change.source, line: index + 1, column: column, message: message))
            }
            for (column, message) in checking.problems { problem(column, message) }
            guard let checked = checking.put else { continue }
            try checked.withRecord { record in
                guard let head = try writer.head(of: record.id) else {
                    guard let key = try writer.addExample(record) else { return problem(record.idColumn, "duplicate id \(quoted(record.idString))") }
                    touched.insert(key)
                    appended.append(key)
                    counts.added += 1
                    return
                }
                guard !touched.contains(head.key) else { return problem(record.idColumn, "a second change of id \(quoted(record.idString))") }
                touched.insert(head.key)
                if !head.isRemoved {
                    if head.digest != record.digest {
                        try writer.revise(head.key, .changed, record)
                        counts.changed += 1
                    }
                } else if try writer.lastLiveDigest(of: head.key) == record.digest {
                    try writer.revise(head.key, .restored, record)
                    counts.restored += 1
                    appended.append(head.key)
                } else if change.allowReuse {
                    try writer.revise(head.key, .added, record)
                    counts.added += 1
                    appended.append(head.key)
                } else {
                    problem(
                        record.idColumn,
                        "id \(quoted(record.idString)) was deleted in version \(try writer.removedIn(head.key)); ids are never reused — give the new example a new id"
                    )
                }
            }
        }
        for (index, id) in change.removals.enumerated() {
            let line = change.puts.count + index + 1
            let head = try Array(id.utf8).withUnsafeBufferPointer { try writer.head(of: $0) }
            guard let head, !head.isRemoved, liveBefore.contains(head.key) else {
                problems.append(DataError(file: change.source, line: line, column: 1, message: "id \(quoted(id)) is not an example to remove"))
                continue
            }
            guard !touched.contains(head.key) else {
                problems.append(DataError(file: change.source, line: line, column: 1, message: "a second change of id \(quoted(id))"))
                continue
            }
            touched.insert(head.key)
            removedKeys.insert(head.key)
            try writer.remove(head.key)
            counts.removed += 1
        }
        if !problems.isEmpty { throw EvalDBError.invalidData(errors: problems, truncated: false) }

        var order = before.filter { !removedKeys.contains($0) } + appended
        if let ids = change.order {
            order = try keys(inOrder: ids, writer: writer, expected: order.count, source: change.source)
        }
        guard !order.isEmpty else { throw EvalDBError.emptyVersion }
        counts.unchanged = order.count - counts.added - counts.changed - counts.restored
        let ascending = zip(order, order.dropFirst()).allSatisfy { $0 < $1 }
        let state: (hash: String, bytes: Int)
        if change.trustsExpectedHash, let expected = change.expectedHash, !change.logs {
            state = (expected, 0)
        } else {
            state = try hashState(order: ascending ? nil : order)
        }
        if let expected = change.expectedHash, expected != state.hash {
            throw EvalDBError.changeSetMismatch(source: change.source, expected: expected, found: state.hash)
        }
        if let current, current.hash == state.hash {
            return .rollBack(
                (ImportResult(outcome: .unchanged, version: current, counts: ChangeCounts(unchanged: order.count), renames: [], warnings: []), order))
        }

        let path = change.path ?? current?.sourcePath
        let version = DatasetVersion(
            number: Int(writer.version), hash: state.hash, createdAt: change.date ?? isoNow(), author: change.author,
            message: change.message, sourcePath: path, sourceSHA256: nil, sourceBytes: nil, gitCommit: nil,
            exampleCount: order.count, counts: counts, row: Int(writer.version),
            parents: change.parents ?? current.map { [$0.hash] } ?? [])
        if change.dryRun { return .rollBack((ImportResult(outcome: .dryRun, version: version, counts: counts, renames: [], warnings: []), order)) }
        try insertVersion(version, lineOrder: ascending ? nil : order, sourceSHA256: nil)
        if change.logs, logsVersions(of: path) {
            let blob = try gitBlobId(order: ascending ? nil : order, size: state.bytes)
            try logVersion(version, base: current?.hash, blob: blob, gitCommit: nil)
        }
        try refreshVersionInfo([state.hash])
        try beforeCommit?(version.row)
        return .commit((ImportResult(outcome: .created, version: version, counts: counts, renames: [], warnings: []), order))
    }

    /// The keys of `version`'s examples in its line order. `committed`: the caller knows the
    /// version is committed (not made in a transaction that may yet roll back), so they are kept.
    func lineKeys(of version: DatasetVersion, committed: Bool = false) throws -> [Int64] {
        if let keys = lineKeysCache.keys(of: version) { return keys }
        let keys = try readLineKeys(of: version)
        if committed || !database.isInTransaction { lineKeysCache.remember(keys, of: version) }
        return keys
    }

    private func readLineKeys(of version: DatasetVersion) throws -> [Int64] {
        if let order = try storedLineOrder(of: version.row) { return order }
        if try currentVersion()?.row == version.row {
            let rows = try database.prepare("SELECT key FROM stored_examples WHERE head_sha256 IS NOT NULL ORDER BY key")
            var keys: [Int64] = []
            while try rows.step() { keys.append(rows.int(0)) }
            return keys
        }
        let rows = try database.prepare(
            """
            SELECT example FROM (SELECT example, kind, max(rev) FROM stored_revisions WHERE version <= ? GROUP BY example)
            WHERE kind != 'removed' ORDER BY example
            """)
        try rows.bind([.int(Int64(version.row))])
        var keys: [Int64] = []
        while try rows.step() { keys.append(rows.int(0)) }
        return keys
    }

    /// The keys of `ids` (every live example once, after the change's writes).
    private func keys(inOrder ids: [String], writer: RevisionWriter, expected: Int, source: String) throws -> [Int64] {
        var keys: [Int64] = []
        var seen = BitSet()
        keys.reserveCapacity(ids.count)
        for id in ids {
            let head = try Array(id.utf8).withUnsafeBufferPointer { try writer.head(of: $0) }
            guard let head, !head.isRemoved, !seen.contains(head.key) else {
                throw EvalDBError.invalidData(
                    errors: [
                        DataError(
                            file: source, line: 1, column: 1,
                            message: "the order names \(quoted(id)), which is not an example of the version once, or not at all")
                    ],
                    truncated: false)
            }
            seen.insert(head.key)
            keys.append(head.key)
        }
        guard keys.count == expected else {
            throw EvalDBError.invalidData(
                errors: [
                    DataError(file: source, line: 1, column: 1, message: "the order names \(keys.count) examples; the version holds \(expected)")
                ],
                truncated: false)
        }
        return keys
    }

    /// Calls `body` with each live example's head record, in `order` (nil: ascending keys), inside
    /// the transaction that wrote them.
    func forEachHeadRecord(order: [Int64]?, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if let order {
            let lookup = try database.prepare(StorageModel.headByKey)
            for key in order {
                try lookup.bind([.int(key)])
                guard try lookup.step(), !lookup.isNull(0) else { throw EvalDBError.storageInvariant("example key \(key) has no live head") }
                try body(lookup.bytes(0).bindMemory(to: UInt8.self))
                lookup.reset()
            }
        } else {
            let rows = try database.prepare("SELECT r.record FROM \(StorageModel.headJoin) WHERE r.kind != 'removed' ORDER BY e.key")
            while try rows.step() { try body(rows.bytes(0).bindMemory(to: UInt8.self)) }
        }
    }

    /// The dataset hash of the live heads in `order`, and the size of their canonical file.
    private func hashState(order: [Int64]?) throws -> (hash: String, bytes: Int) {
        var hasher = DatasetHasher()
        var bytes = 0
        try forEachHeadRecord(order: order) { line in
            hasher.add(line: line)
            bytes += line.count + 1
        }
        return (hasher.finalize(), bytes)
    }

    /// Git's blob id of the live heads' canonical file (`git hash-object`): the SHA-1 of
    /// `blob SIZE\0` and the bytes.
    private func gitBlobId(order: [Int64]?, size: Int) throws -> String {
        var hasher = Insecure.SHA1()
        hasher.update(data: Array("blob \(size)\0".utf8))
        let newline: [UInt8] = [0x0A]
        try forEachHeadRecord(order: order) { line in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(line))
            hasher.update(data: newline)
        }
        return hasher.finalize().hexString
    }

    /// Inserts a version's row (with its line order when it is not ascending).
    func insertVersion(_ version: DatasetVersion, lineOrder: [Int64]?, sourceSHA256: String?) throws {
        try database.prepare(
            """
            INSERT INTO stored_versions(number, hash, created_at, author, message, source_path, source_sha256, source_bytes,
                                 git_commit, example_count, added, changed, removed, restored, unchanged, line_order)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run([
            .int(Int64(version.row)), .text(version.hash), .text(version.createdAt), .text(version.author),
            version.message.map(SQLValue.text) ?? .null, version.sourcePath.map(SQLValue.text) ?? .null,
            sourceSHA256.map(SQLValue.text) ?? .null, version.sourceBytes.map { SQLValue.int(Int64($0)) } ?? .null,
            version.gitCommit.map(SQLValue.text) ?? .null, .int(Int64(version.exampleCount)),
            .int(Int64(version.counts.added)), .int(Int64(version.counts.changed)), .int(Int64(version.counts.removed)),
            .int(Int64(version.counts.restored)), .int(Int64(version.counts.unchanged)),
            lineOrder.map { .blob(LineOrder.encode($0)) } ?? .null,
        ])
        if let commit = version.gitCommit, let path = version.sourcePath {
            try recordCommit(commit, path: path, onVersion: version.row)
        }
    }

    /// Writes the record of a version this database made to the team log (its file in
    /// `evals/log/versions/`: the record, then the change set from `base`, unless the commit it was
    /// made from holds it), and applies the record here.
    func logVersion(_ version: DatasetVersion, base: String?, blob: String?, gitCommit: String?) throws {
        guard let log = teamLog else { return }
        let c = version.counts
        let counts =
            "{\"added\": \(c.added), \"changed\": \(c.changed), \"examples\": \(version.exampleCount), \"removed\": \(c.removed), \"restored\": \(c.restored), \"unchanged\": \(c.unchanged)}"
        let event = LogEvent(
            "version",
            [
                "hash": .string(version.hash), "at": .string(version.createdAt), "by": .string(version.author),
                "message": version.message.map { .string($0) } ?? .null, "path": version.sourcePath.map { .string($0) },
                "parents": .json(HashList.encode(version.parents)), "base": base.map { .string($0) } ?? .null,
                "blob": blob.map { .string($0) }, "commit": gitCommit.map { .string($0) }, "counts": .json(counts),
            ])
        let file = try log.writeVersion(header: event, row: version.row, body: gitCommit == nil)
        try recordVersionEvent(event, file: gitCommit == nil ? file : nil)
    }
}

/// A record given to `Store.commit`, checked and made canonical as a dataset line would be.
private struct CheckedPut {
    let canonical: [UInt8]
    let idBytes: [UInt8]
    let idColumn: Int
    let hasWarnings: Bool

    init?(_ text: String, problem: (Int, String) -> Void) {
        let line = Array(text.utf8)
        let tape: JSONTape
        do {
            tape = try JSONParser.parse(bytes: line)
        } catch {
            problem(line.withUnsafeBufferPointer { codePointColumn(of: error.offset, in: $0) }, error.message)
            return nil
        }
        var problems: [RecordSchema.Problem] = []
        let idNode = RecordSchema.check(tape, problems: &problems)
        var failed = false
        for item in problems where !item.isWarning {
            problem(line.withUnsafeBufferPointer { codePointColumn(of: item.offset, in: $0) }, item.message)
            failed = true
        }
        guard !failed, let idNode else { return nil }
        var canonical: [UInt8] = []
        CanonicalJSON.write(tape, to: &canonical)
        self.canonical = canonical
        idBytes = Array(tape.bytes(idNode))
        idColumn = line.withUnsafeBufferPointer { codePointColumn(of: Int(tape.nodes[idNode].source), in: $0) }
        hasWarnings = problems.contains(where: \.isWarning)
    }

    /// Each record checked, with its problems (column, message), in order: on every core when
    /// there are many (a change set replayed by `sync`, a split of every example).
    static func checking(_ puts: [String]) -> [(put: CheckedPut?, problems: [(Int, String)])] {
        var results = [(put: CheckedPut?, problems: [(Int, String)])](repeating: (nil, []), count: puts.count)
        let chunk = 2048
        let chunks = (puts.count + chunk - 1) / chunk
        results.withUnsafeMutableBufferPointer { buffer in
            let shared = Unchecked(buffer)  // each chunk writes its own elements
            let work: @Sendable (Int) -> Void = { c in
                for index in (c * chunk)..<min(puts.count, (c + 1) * chunk) {
                    var problems: [(Int, String)] = []
                    let put = CheckedPut(puts[index]) { problems.append(($0, $1)) }
                    shared.value[index] = (put, problems)
                }
            }
            if chunks > 1 {
                DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
            } else if chunks == 1 {
                work(0)
            }
        }
        return results
    }

    /// Calls `body` with the record as the revision writer takes it.
    func withRecord<T>(_ body: (CheckedRecord) throws -> T) rethrows -> T {
        try canonical.withUnsafeBufferPointer { record in
            try idBytes.withUnsafeBufferPointer { id in
                try body(
                    CheckedRecord(
                        line: 0, canonical: record, id: id, idColumn: idColumn, hasWarnings: hasWarnings,
                        digest: RecordDigest(of: record), known: nil, contentWithoutId: nil))
            }
        }
    }
}
