import Crypto

/// What `import` is told.
public struct ImportOptions: Sendable {
    public var author: String
    public var message: String?
    public var dryRun = false
    public var strict = false
    /// Accept an id that was removed coming back with different content.
    public var allowReuse = false
    public var maxErrors = 50
    /// The git commit of the file, when it is committed and clean.
    public var gitCommit: String?
    /// The version's date (ISO 8601); now when nil.
    public var date: String?

    public init(author: String, message: String? = nil, dryRun: Bool = false, strict: Bool = false,
                allowReuse: Bool = false, maxErrors: Int = 50, gitCommit: String? = nil, date: String? = nil) {
        self.author = author
        self.message = message
        self.dryRun = dryRun
        self.strict = strict
        self.allowReuse = allowReuse
        self.maxErrors = maxErrors
        self.gitCommit = gitCommit
        self.date = date
    }
}

/// What `import` did (or, with `--dry-run`, would do).
public struct ImportResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// A new version was written.
        case created
        /// The file's dataset hash equals the current version's: nothing written.
        case unchanged
        /// `--dry-run`: nothing written.
        case dryRun
    }

    public var outcome: Outcome
    /// The new version, or the existing current version when unchanged, or the would-be version.
    public var version: DatasetVersion
    public var counts: ChangeCounts
    /// Removed and added ids whose records are identical apart from the id.
    public var renames: [(from: String, to: String)]
    /// Warnings (unknown fields, ids differing by normalisation), each with its position.
    public var warnings: [DataError]
}

/// A removed example that was the previous revision's content, kept for rename detection.
struct RemovedExample {
    var id: String
    /// SHA-256 of the record's canonical JSON without its `id`.
    var contentWithoutId: [UInt8]
}

extension Store {
    /// Makes the database's current state equal to the dataset file at `path`, as one new version in
    /// one transaction, or as none when its dataset hash is that of the current version.
    ///
    /// Streams the file: memory does not grow with its size. Invalid input (any error, or any
    /// warning with `strict`) throws `EvalDBError.invalidData` with every problem up to
    /// `maxErrors`, and writes nothing. An id removed earlier that comes back with the content it
    /// had is restored; with other content it is refused unless `allowReuse`.
    public func importFile(_ path: String, options: ImportOptions,
                           progress: ((_ bytesRead: Int, _ totalBytes: Int?) -> Void)? = nil) throws -> ImportResult {
        let current = try currentVersion()
        if let unchanged = try unchangedFastPath(path, current: current, options: options) {
            return unchanged
        }
        let reader = try DatasetReader(path: path, options: .init(strict: options.strict, maxErrors: options.maxErrors))
        let db = database
        try db.execute("BEGIN IMMEDIATE")
        var committed = false
        defer { if !committed { try? db.execute("ROLLBACK") } }

        let versionNumber = Int64((try currentVersion()?.number ?? 0) + 1)
        let previous = try currentVersion()
        var nextKey = (try db.scalarInt("SELECT max(key) FROM examples") ?? 0) + 1
        var nextRev = (try db.scalarInt("SELECT max(rev) FROM revisions") ?? 0) + 1

        let lookup = try db.prepare("""
            SELECT e.key, r.kind, r.sha256 FROM examples e JOIN revisions r ON r.rev = e.head WHERE e.id = ?
            """)
        let lastLive = try db.prepare("""
            SELECT sha256 FROM revisions WHERE example = ? AND kind != 'removed' ORDER BY version DESC, rev DESC LIMIT 1
            """)
        let insertExample = try db.prepare("INSERT INTO examples(key, id, head) VALUES (?, ?, ?)")
        let setHead = try db.prepare("UPDATE examples SET head = ? WHERE key = ?")
        let insertRevision = try db.prepare(
            "INSERT INTO revisions(rev, example, version, kind, record, sha256) VALUES (?, ?, ?, ?, ?, ?)")

        var counts = ChangeCounts()
        var hasher = DatasetHasher()
        var order: [Int64] = []
        var ascending = true
        var seen = BitSet()
        var seenPreviouslyLive = 0
        // Rename detection needs the added records' content without their id, and is only possible
        // when there was a previous version to remove examples from.
        let mayRename = (previous?.exampleCount ?? 0) > 0
        var added: [(id: String, contentWithoutId: [UInt8])] = []
        var scratch: [UInt8] = []
        var lastProgress = 0

        func writeRevision(_ key: Int64, _ kind: String, _ record: CanonicalRecord, _ digest: [UInt8]) throws {
            try insertRevision.bind(nextRev, at: 1)
            try insertRevision.bind(key, at: 2)
            try insertRevision.bind(versionNumber, at: 3)
            try insertRevision.bind(.text(kind), at: 4)
            try insertRevision.bind(bytes: UnsafeRawBufferPointer(record.canonical), at: 5, asText: true)
            try insertRevision.bind(.blob(digest), at: 6)
            try insertRevision.stepToEnd()
            nextRev += 1
        }

        try reader.read { record in
            hasher.add(line: record.canonical)
            let digest = SHA256.digestBytes(record.canonical)
            try lookup.bind(bytes: UnsafeRawBufferPointer(record.id), at: 1, asText: true)
            var key: Int64
            if try lookup.step() {
                key = lookup.int(0)
                let kind = lookup.text(1)
                let headDigest = lookup.isNull(2) ? nil : lookup.blob(2)
                lookup.reset()
                if seen.contains(key) {
                    reader.report(offset: record.idOffset, message: "duplicate id \(quoted(record.idString)): ids must be unique in a file")
                    return
                }
                if kind != "removed" {
                    seenPreviouslyLive += 1
                    if headDigest == digest {
                        counts.unchanged += 1
                    } else {
                        try writeRevision(key, "changed", record, digest)
                        try setHead.run([.int(nextRev - 1), .int(key)])
                        counts.changed += 1
                    }
                } else {
                    try lastLive.bind([.int(key)])
                    let lastDigest = try lastLive.step() ? lastLive.blob(0) : nil
                    lastLive.reset()
                    if lastDigest == digest {
                        try writeRevision(key, "restored", record, digest)
                        counts.restored += 1
                    } else if options.allowReuse {
                        try writeRevision(key, "added", record, digest)
                        counts.added += 1
                    } else {
                        let removedIn = try db.scalarInt(
                            "SELECT version FROM revisions WHERE example = ? AND kind = 'removed' ORDER BY rev DESC LIMIT 1",
                            [.int(key)]) ?? 0
                        reader.report(offset: record.idOffset, message: """
                            id \(quoted(record.idString)) was deleted in version \(removedIn); ids are never reused — \
                            give the new example a new id (or restore it with its old content; --allow-reuse overrides)
                            """)
                        return
                    }
                    try setHead.run([.int(nextRev - 1), .int(key)])
                }
            } else {
                lookup.reset()
                key = nextKey
                nextKey += 1
                try insertExample.bind(key, at: 1)
                try insertExample.bind(bytes: UnsafeRawBufferPointer(record.id), at: 2, asText: true)
                try insertExample.bind(nextRev, at: 3)
                try insertExample.stepToEnd()
                try writeRevision(key, "added", record, digest)
                counts.added += 1
                if mayRename {
                    scratch.removeAll(keepingCapacity: true)
                    CanonicalJSON.write(record.tape, object: 0, excluding: "id", to: &scratch)
                    added.append((record.idString, scratch.withUnsafeBufferPointer { SHA256.digestBytes($0) }))
                }
            }
            seen.insert(key)
            if let last = order.last, key < last { ascending = false }
            order.append(key)
            if let progress, reader.bytesRead - lastProgress >= 1 << 24 {
                lastProgress = reader.bytesRead
                progress(reader.bytesRead, reader.totalBytes)
            }
        }
        if reader.recordCount == 0 && !reader.hasErrors {
            reader.reportFileProblem("the file holds no records; refusing to make an empty dataset version")
        }
        if reader.hasErrors {
            throw EvalDBError.invalidData(errors: reader.problems, truncated: reader.stoppedEarly)
        }

        // Tombstones for the live examples the file no longer holds.
        var removed: [RemovedExample] = []
        if seenPreviouslyLive < (previous?.exampleCount ?? 0) {
            let live = try db.prepare("""
                SELECT e.key, e.id, r.record FROM examples e JOIN revisions r ON r.rev = e.head WHERE r.kind != 'removed'
                """)
            var gone: [(key: Int64, id: String, record: String)] = []
            while try live.step() {
                if !seen.contains(live.int(0)) { gone.append((live.int(0), live.text(1), live.text(2))) }
            }
            for example in gone {
                try insertRevision.run([.int(nextRev), .int(example.key), .int(versionNumber), .text("removed"), .null, .null])
                try setHead.run([.int(nextRev), .int(example.key)])
                nextRev += 1
                counts.removed += 1
                var content: [UInt8] = []
                if let tape = try? JSONParser.parse(example.record) {
                    CanonicalJSON.write(tape, object: 0, excluding: "id", to: &content)
                }
                removed.append(RemovedExample(id: example.id, contentWithoutId: content.withUnsafeBufferPointer { SHA256.digestBytes($0) }))
            }
        }
        let renames = Self.probableRenames(removed: removed, added: added)

        let hash = hasher.finalize()
        var version = DatasetVersion(
            number: Int(versionNumber), hash: hash, createdAt: options.date ?? isoNow(), author: options.author,
            message: options.message, sourcePath: path == "-" ? nil : path, sourceSHA256: reader.rawSHA256,
            sourceBytes: path == "-" ? nil : reader.bytesRead, gitCommit: options.gitCommit,
            exampleCount: reader.recordCount, counts: counts)
        let warnings = reader.problems.filter(\.isWarning)

        if let previous, previous.hash == hash {
            // Same bytes, same order: nothing was written above.
            return ImportResult(outcome: .unchanged, version: previous, counts: ChangeCounts(unchanged: reader.recordCount),
                                renames: [], warnings: warnings)
        }
        if options.dryRun {
            return ImportResult(outcome: .dryRun, version: version, counts: counts, renames: renames, warnings: warnings)
        }
        let lineOrder: SQLValue = ascending ? .null : .blob(LineOrder.encode(order))
        try db.prepare("""
            INSERT INTO versions(number, hash, created_at, author, message, source_path, source_sha256, source_bytes,
                                 git_commit, example_count, added, changed, removed, restored, unchanged, line_order)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).run([
                .int(versionNumber), .text(hash), .text(version.createdAt), .text(version.author),
                version.message.map(SQLValue.text) ?? .null, version.sourcePath.map(SQLValue.text) ?? .null,
                .text(reader.rawSHA256), version.sourceBytes.map { SQLValue.int(Int64($0)) } ?? .null,
                version.gitCommit.map(SQLValue.text) ?? .null, .int(Int64(reader.recordCount)),
                .int(Int64(counts.added)), .int(Int64(counts.changed)), .int(Int64(counts.removed)),
                .int(Int64(counts.restored)), .int(Int64(counts.unchanged)), lineOrder,
            ])
        try db.execute("COMMIT")
        committed = true
        version.counts = counts
        return ImportResult(outcome: .created, version: version, counts: counts, renames: renames, warnings: warnings)
    }

    /// When the file's raw bytes are those the current version was imported from, the import
    /// would change nothing: answer without parsing (about the time of `sha256sum`).
    private func unchangedFastPath(_ path: String, current: DatasetVersion?, options: ImportOptions) throws -> ImportResult? {
        guard path != "-", !options.strict, let current, let size = current.sourceBytes, let sha = current.sourceSHA256,
              let reader = try? LineReader(path: path), reader.totalBytes == size
        else { return nil }
        guard try FileDigest.sha256(path: path) == sha else { return nil }
        return ImportResult(outcome: .unchanged, version: current,
                            counts: ChangeCounts(unchanged: current.exampleCount), renames: [], warnings: [])
    }

    static func probableRenames(removed: [RemovedExample], added: [(id: String, contentWithoutId: [UInt8])])
        -> [(from: String, to: String)]
    {
        guard !removed.isEmpty, !added.isEmpty else { return [] }
        var addedByContent: [[UInt8]: [String]] = [:]
        for example in added { addedByContent[example.contentWithoutId, default: []].append(example.id) }
        var renames: [(from: String, to: String)] = []
        for example in removed {
            if var candidates = addedByContent[example.contentWithoutId], !candidates.isEmpty {
                renames.append((example.id, candidates.removeFirst()))
                addedByContent[example.contentWithoutId] = candidates
            }
        }
        return renames
    }
}

/// A growable set of small non-negative integers.
struct BitSet {
    private var words: [UInt64] = []

    mutating func insert(_ value: Int64) {
        let word = Int(value >> 6)
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: max(word + 1 - words.count, words.count))) }
        words[word] |= 1 << UInt64(value & 63)
    }

    func contains(_ value: Int64) -> Bool {
        let word = Int(value >> 6)
        return word < words.count && words[word] & (1 << UInt64(value & 63)) != 0
    }
}

/// The line order of a version whose keys are not ascending: 8 bytes a key, little-endian.
enum LineOrder {
    static func encode(_ keys: [Int64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(keys.count * 8)
        for key in keys { withUnsafeBytes(of: key.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> [Int64] {
        stride(from: 0, to: bytes.count - 7, by: 8).map { Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0, as: Int64.self)) }
    }
}

enum FileDigest {
    /// Hex SHA-256 of a file's bytes, streamed.
    static func sha256(path: String) throws -> String {
        let reader = try LineReader(path: path)
        try reader.drain()
        return reader.rawSHA256
    }
}
