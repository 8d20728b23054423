import Crypto
import Foundation

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
    /// Import the file as it is: no merge with newer versions, no refusal of a stale file or of
    /// one that removes most examples (`importMerging`).
    public var force = false

    // What evaldb itself sets, replaying a commit's file (`sync`) or guarding a user's import:

    /// The source path to record, when it is not the path read (a file taken out of git).
    var recordedPath: String?
    /// Write the new version's record to the team log (false when it is replayed from git).
    var logsVersion = true
    /// The new version's parents' dataset hashes; the current version's alone when nil.
    var parents: [String]?
    /// Refuse a file that removes more than half of the current examples (`Refusal.wouldRemoveMost`).
    var guardsMassRemoval = false
    /// Refuse a file whose dataset is an older version's (`Refusal.staleFile`): importing it would
    /// undo the versions made since.
    var refusesOlderVersion = false
    /// A file whose dataset hash is a version's already is taken as that version (nothing is
    /// written; the outcome is `unchanged` with that version).
    var takesExistingVersion = false
    /// Head digests loaded a segment at a time (`LiveHeadsLoader`), and the file's bytes mapped a
    /// region at a time (`FileRegion`): sizes a test makes small.
    var headSegmentSize = LiveHeadsLoader.defaultSegmentSize
    var mappedRegionSize = FileRegion.defaultSize
    /// Runs of the lines examples were met on held before they go to disk (`FirstLines`).
    var firstLinesInMemory = FirstLines.defaultBufferedRuns

    public init(
        author: String, message: String? = nil, dryRun: Bool = false, strict: Bool = false,
        allowReuse: Bool = false, maxErrors: Int = 50, gitCommit: String? = nil, date: String? = nil
    ) {
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

/// A line held an example that the import had already removed (`Removal`, early): the import
/// reads its file again, removing only at the end.
struct EarlyRemovalConflict: Error {}

/// The tombstones of an import: each live example the file does not hold, removed in ascending key
/// order, up to a key at a time (early, during the read, or all at the end).
private struct Removal {
    let writer: RevisionWriter
    /// Where each removed example goes with the SHA-256 of its content without its id, for renames.
    let renames: RenameCandidates?
    private let head: Statement
    /// Every live key up to here that the file did not hold is removed.
    private(set) var decidedThrough: Int64 = 0

    init(_ database: Database, writer: RevisionWriter, renames: RenameCandidates?) throws {
        self.writer = writer
        self.renames = renames
        head = try database.prepare(StorageModel.headByKey)
    }

    /// Writes a tombstone for each key of `live` up to `through` that is not in `seen` and was not
    /// removed already.
    mutating func removeUnseen(_ live: BitSet, seen: BitSet, through: Int64, pass: inout ImportPass) throws {
        guard through > decidedThrough else { return }
        for key in live.elements(notIn: seen, in: (decidedThrough + 1)...through) {
            try head.bind([.int(key)])
            guard try head.step() else { throw EvalDBError.storageInvariant("live example key \(key) has no head revision") }
            let id = head.text(1)
            var content: [UInt8] = []
            if renames != nil && !CanonicalMembers.object(of: head.bytes(0).bindMemory(to: UInt8.self), withoutId: &content),
                let tape = try? JSONParser.parse(head.text(0))
            {
                content.removeAll()
                CanonicalJSON.write(tape, object: 0, excluding: "id", to: &content)
            }
            head.reset()
            try writer.remove(key)
            pass.noteRemoved(key)
            if let renames {
                try content.withUnsafeBufferPointer { try RecordDigest(of: $0).withBytes { try renames.add(removed: id, content: $0) } }
            }
        }
        decidedThrough = through
    }
}

extension Store {
    /// Makes the database's current state equal to the dataset file at `path`, as one new version in
    /// one transaction, or as none when its dataset hash is that of the current version.
    ///
    /// Streams the file: memory does not grow with its size. Other threads read, parse and hash the
    /// lines while this one writes them; a line that is byte for byte an example's current record
    /// is recognised by its SHA-256 without being parsed. Invalid input (any error, or any warning
    /// with `strict`) throws `EvalDBError.invalidData` with every problem up to `maxErrors`, and
    /// writes nothing. An id removed earlier that comes back with the content it had is restored;
    /// with other content it is refused unless `allowReuse`.
    public func importFile(
        _ path: String, options: ImportOptions,
        progress: ((_ bytesRead: Int, _ totalBytes: Int?) -> Void)? = nil
    ) throws -> ImportResult {
        if let unchanged = try unchangedFastPath(path, current: try currentVersion(), options: options) {
            return unchanged
        }
        var result = try database.decidedWriteTransaction { try writeVersion(of: path, options: options, progress: progress) }
        if result.outcome == .created { result.version = try version(hash: result.version.hash) ?? result.version }
        return result
    }

    /// The writes of `importFile`, in its transaction: rolled back when the file makes no version
    /// (one the database holds, or a dry run).
    private func writeVersion(
        of path: String, options: ImportOptions, progress: ((_ bytesRead: Int, _ totalBytes: Int?) -> Void)?
    ) throws -> TransactionEnd<ImportResult> {
        let db = database
        let previous = try currentVersion()
        let number = Int64((previous?.row ?? 0) + 1)
        var writer = try RevisionWriter(database: db, version: number)
        let written: (DatasetReader, ImportPass)
        do {
            // Only the conflict is undone at the savepoint. Any other error (invalid data) leaves it
            // released, the whole transaction then rolled back once: rolling back to the savepoint
            // first would put back every page the read wrote, for nothing.
            written = try db.savepoint("revisions") { () -> Result<(DatasetReader, ImportPass), any Error> in
                do {
                    return .success(
                        try writeRevisions(of: path, after: previous, writer: writer, removingEarly: true, options: options, progress: progress))
                } catch let conflict as EarlyRemovalConflict {
                    throw conflict
                } catch {
                    return .failure(error)
                }
            }.get()
        } catch is EarlyRemovalConflict {
            // A line far out of key order held an example removed early: read the file again (the
            // savepoint undid the first read's writes), removing only at the end.
            writer = try RevisionWriter(database: db, version: number)
            written = try writeRevisions(of: path, after: previous, writer: writer, removingEarly: false, options: options, progress: progress)
        }
        let (reader, pass) = written
        let counts = pass.counts
        var renames: [(from: String, to: String)] = []
        try pass.renames?.forEachRename { renames.append(($0, $1)) }

        let hash = reader.datasetHash!
        let sourceSHA256 = try rawDigest(of: path, read: reader, hash: hash)
        let version = DatasetVersion(
            number: Int(writer.version), hash: hash, createdAt: options.date ?? isoNow(), author: options.author,
            message: options.message, sourcePath: options.recordedPath ?? (path == "-" ? nil : storedPath(path)),
            sourceSHA256: sourceSHA256, sourceBytes: path == "-" ? nil : reader.bytesRead, gitCommit: options.gitCommit,
            exampleCount: reader.recordCount, counts: counts, row: Int(writer.version),
            parents: options.parents ?? previous.map { [$0.hash] } ?? [])
        let warnings = reader.problems.filter(\.isWarning)

        if options.takesExistingVersion, let found = try self.version(hash: hash) {
            return .rollBack(
                ImportResult(
                    outcome: .unchanged, version: found, counts: ChangeCounts(unchanged: reader.recordCount), renames: [], warnings: warnings))
        }
        if let previous, previous.hash == hash {
            // Same records, same order: nothing was written above but digests of old records.
            let unchanged = ImportResult(
                outcome: .unchanged, version: previous, counts: ChangeCounts(unchanged: reader.recordCount), renames: [], warnings: warnings)
            if options.dryRun { return .rollBack(unchanged) }
            try recordBase(of: path, version: previous.row, options: options)
            return .commit(unchanged)  // the base, and the digests recorded on the way
        }
        if options.dryRun {
            return .rollBack(ImportResult(outcome: .dryRun, version: version, counts: counts, renames: renames, warnings: warnings))
        }
        if options.refusesOlderVersion, let previous, let older = try self.version(hash: hash) {
            throw Refusal.staleFile(path: path, fileVersion: older.number, current: previous.number)
        }
        if options.guardsMassRemoval, let previous, counts.removed * 2 > previous.exampleCount {
            throw Refusal.wouldRemoveMost(path: path, removed: counts.removed, of: previous.exampleCount)
        }
        try insertVersion(version, lineOrder: pass.ascending ? nil : pass.order, sourceSHA256: sourceSHA256)
        if options.logsVersion, logsVersions(of: version.sourcePath) {
            // A canonical file is its export: git's blob id of the version is the file's.
            let blob = reader.firstNonCanonicalLine == nil && path != "-" ? try GitBlob.id(ofFile: path) : nil
            try logVersion(version, base: previous?.hash, blob: blob, gitCommit: options.gitCommit)
        }
        try refreshVersionInfo([hash])
        try recordBase(of: path, version: version.row, options: options)
        FaultPoint.pause(at: .beforeCommit)
        return .commit(ImportResult(outcome: .created, version: version, counts: counts, renames: renames, warnings: warnings))
    }

    /// The first step of an import: reads the file, writing a revision for each example it adds or
    /// changes (`ImportPass`), and a tombstone for each live example it no longer holds. Throws
    /// `invalidData` with the file's problems when it has any (the caller rolls back).
    ///
    /// With `removingEarly`, while the file's keys ascend, a live example the file skipped more than
    /// a segment of keys back is removed then, while its pages are at hand, instead of in a second
    /// pass over the examples after the read; should a later line hold it after all, this throws
    /// `EarlyRemovalConflict` and the caller reads the file again without.
    private func writeRevisions(
        of path: String, after previous: DatasetVersion?, writer: RevisionWriter, removingEarly: Bool, options: ImportOptions,
        progress: ((_ bytesRead: Int, _ totalBytes: Int?) -> Void)?
    ) throws -> (DatasetReader, ImportPass) {
        let databaseIsEmpty = writer.nextKey == 1
        var readerOptions = DatasetReader.Options(strict: options.strict, maxErrors: options.maxErrors, hashRawBytes: path == "-")
        readerOptions.digests = true
        // Rename detection needs the added records' content without their id, and is only possible
        // when there was a previous version to remove examples from.
        readerOptions.contentWithoutIdDigests = (previous?.exampleCount ?? 0) > 0
        readerOptions.datasetHash = true
        readerOptions.mappedRegionSize = options.mappedRegionSize
        let reader = try DatasetReader(path: path, options: readerOptions)
        // The live examples, and their head digests a segment at a time just ahead of the keys met.
        var heads = try LiveHeadsLoader(database: database, recognizing: !options.strict, segmentSize: options.headSegmentSize)
        if !databaseIsEmpty { try heads.start() }

        // Made in the savepoint the caller reads in: undone with it.
        let renames = readerOptions.contentWithoutIdDigests ? try RenameCandidates(database: database) : nil
        var pass = ImportPass(
            writer: writer, reader: reader, databaseIsEmpty: databaseIsEmpty, allowReuse: options.allowReuse,
            renames: renames, firstLines: FirstLines(bufferedRuns: options.firstLinesInMemory))
        var lastProgress = 0
        var removal = try Removal(database, writer: writer, renames: renames)
        let lag = removingEarly && !databaseIsEmpty && !options.strict ? Int64(options.headSegmentSize) : nil
        var taken = 0
        try reader.read(recognizing: databaseIsEmpty || options.strict ? nil : heads.window) { record, bytesRead in
            if let key = try pass.take(record) {
                try heads.advance(to: key)
                if let lag, pass.ascending, key - lag > removal.decidedThrough {
                    try removal.removeUnseen(heads.live, seen: pass.seen, through: key - lag, pass: &pass)
                }
            }
            if let progress, bytesRead - lastProgress >= 1 << 24 {
                lastProgress = bytesRead
                progress(bytesRead, reader.totalBytes)
            }
            taken += 1
            FaultPoint.pause(afterRecords: taken)
        }
        if reader.recordCount == 0 && !reader.hasErrors {
            reader.reportFileProblem("the file holds no records; refusing to make an empty dataset version")
        }
        if reader.hasErrors {
            throw EvalDBError.invalidData(errors: reader.problems, truncated: reader.stoppedEarly)
        }
        if pass.seenPreviouslyLive + pass.removedEarly < (previous?.exampleCount ?? 0) {
            try heads.finish()
            try removal.removeUnseen(heads.live, seen: pass.seen, through: .max, pass: &pass)
        }
        return (reader, pass)
    }

    /// The SHA-256 of the file's raw bytes: read while importing from standard input, equal to the
    /// dataset hash for a canonical file, else read again.
    private func rawDigest(of path: String, read reader: DatasetReader, hash: String) throws -> String {
        if path == "-" { return reader.rawSHA256 }
        if reader.firstNonCanonicalLine == nil { return String(hash.dropFirst("sha256:".count)) }  // a canonical file is its export
        return try FileDigest.sha256(path: path)
    }

    /// When the file's raw bytes are those the current version was imported from, the import
    /// would change nothing: answer without parsing (about the time of `sha256sum`).
    private func unchangedFastPath(_ path: String, current: DatasetVersion?, options: ImportOptions) throws -> ImportResult? {
        guard path != "-", !options.strict, let current, let size = current.sourceBytes, let sha = current.sourceSHA256,
            let reader = try? LineReader(path: path), reader.totalBytes == size
        else { return nil }
        guard try FileDigest.sha256(path: path) == sha else { return nil }
        try recordBase(of: path, version: current.row, options: options)
        return ImportResult(
            outcome: .unchanged, version: current,
            counts: ChangeCounts(unchanged: current.exampleCount), renames: [], warnings: [])
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

    /// The members, ascending.
    func elements() -> [Int64] { elements(notIn: BitSet()) }

    /// The members that `other` does not hold, ascending; only those in `range` when given (the
    /// words that hold it are read, not the whole set).
    func elements(notIn other: BitSet, in range: ClosedRange<Int64>? = nil) -> [Int64] {
        var result: [Int64] = []
        let first = range.map { Int(max(0, $0.lowerBound) >> 6) } ?? 0
        let last = range.map { Int(min($0.upperBound >> 6, Int64(words.count - 1))) } ?? words.count - 1
        guard first <= last else { return [] }
        for index in first...last where words[index] != 0 {
            var bits = words[index] & ~(index < other.words.count ? other.words[index] : 0)
            while bits != 0 {
                let value = Int64(index << 6 + bits.trailingZeroBitCount)
                if range?.contains(value) ?? true { result.append(value) }
                bits &= bits - 1
            }
        }
        return result
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
    static func sha256(data: Data) -> String {
        SHA256.hash(data: data).hexString
    }

    static func sha256(path: String) throws -> String {
        let reader = try LineReader(path: path, hashingRawBytes: true)
        try reader.drain()
        return reader.rawSHA256
    }
}

/// One import's pass over the file: each record taken in file order, the counts, the keys in line
/// order and the examples seen.
private struct ImportPass {
    let writer: RevisionWriter
    let reader: DatasetReader
    let databaseIsEmpty: Bool
    let allowReuse: Bool
    var counts = ChangeCounts()
    /// The keys in line order, once they are not ascending (until then they are `seen`'s elements).
    var order: [Int64] = []
    var ascending = true
    var lastKey: Int64 = 0
    var seen = BitSet()
    var seenPreviouslyLive = 0
    /// Examples removed while the file was read (`Removal`): one met later is a conflict.
    fileprivate(set) var removedKeys = BitSet()
    fileprivate(set) var removedEarly = 0
    /// Where each added example goes with the SHA-256 of its content without its id, for renames.
    let renames: RenameCandidates?
    /// The line each example seen was on, by key: a duplicate names its first line.
    let firstLines: FirstLines

    private func duplicate(_ id: String, key: Int64) throws -> String {
        let first = key >= 0 ? try firstLines.line(of: key) : 0
        return "duplicate id \(quoted(id))\(first > 0 ? " (first on line \(first))" : ""): ids must be unique in a file"
    }

    /// Counts a tombstone written for `key`.
    mutating func noteRemoved(_ key: Int64) {
        counts.removed += 1
        removedKeys.insert(key)
        removedEarly += 1
    }

    /// Takes the next record: unchanged, changed, added, restored, or refused (reported). Returns
    /// the key of an example that existed before this import, nil otherwise.
    mutating func take(_ record: CheckedRecord) throws -> Int64? {
        let key: Int64
        if let knownKey = record.known {  // byte for byte an example's current record
            key = knownKey
            if removedKeys.contains(key) { throw EarlyRemovalConflict() }
            if seen.contains(key) {
                reader.report(line: record.line, column: 1, message: try duplicate(try writer.id(of: key), key: key))
                return nil
            }
            seenPreviouslyLive += 1
            counts.unchanged += 1
        } else {
            guard let parsedKey = try takeParsed(record) else { return nil }
            key = parsedKey
        }
        if ascending && key < lastKey {
            ascending = false
            order = seen.elements()
        }
        if !ascending { order.append(key) }
        lastKey = key
        seen.insert(key)
        try firstLines.note(key, line: record.line)
        return key < writer.firstNewKey ? key : nil
    }

    /// A record that is not an example's current record byte for byte: its example's key, or nil
    /// when it is refused.
    private mutating func takeParsed(_ record: CheckedRecord) throws -> Int64? {
        guard !databaseIsEmpty, let head = try writer.head(of: record.id) else {
            guard let key = try writer.addExample(record) else {  // added earlier in this file
                return refuse(record, try duplicate(record.idString, key: try writer.head(of: record.id)?.key ?? -1))
            }
            counts.added += 1
            if let renames, let content = record.contentWithoutId {
                try content.withBytes { try renames.add(added: record.idString, content: $0) }
            }
            return key
        }
        let key = head.key
        if removedKeys.contains(key) { throw EarlyRemovalConflict() }
        if seen.contains(key) {
            return refuse(record, try duplicate(record.idString, key: key))
        }
        if !head.isRemoved {
            seenPreviouslyLive += 1
            if head.digest == record.digest {
                counts.unchanged += 1
                if head.isUnrecognizable { try writer.recordHeadDigest(key, record) }  // recognisable from now on?
            } else {
                try writer.revise(key, .changed, record)
                counts.changed += 1
            }
        } else if try writer.lastLiveDigest(of: key) == record.digest {
            try writer.revise(key, .restored, record)
            counts.restored += 1
        } else if allowReuse {
            try writer.revise(key, .added, record)
            counts.added += 1
        } else {
            return refuse(
                record,
                """
                id \(quoted(record.idString)) was deleted in version \(try writer.removedIn(key)); ids are never reused — \
                give the new example a new id (or restore it with its old content; an import can be told to allow reuse)
                """)
        }
        return key
    }

    private func refuse(_ record: CheckedRecord, _ message: String) -> Int64? {
        reader.report(line: record.line, column: record.idColumn, message: message)
        return nil
    }
}
