import Foundation

/// One valid record of a dataset file, handed to the caller of `DatasetReader.read` in file order.
public struct CheckedRecord {
    /// 1-based line number in the file.
    public let line: Int
    /// The record's canonical JSON, without a newline. Valid only during the callback.
    public let canonical: UnsafeBufferPointer<UInt8>
    /// The record's `id`, as UTF-8 bytes; empty for a recognised line. Valid only during the callback.
    public let id: UnsafeBufferPointer<UInt8>
    /// 1-based column (in code points) of the `id` value in the line.
    public let idColumn: Int
    /// The line drew a warning (an unknown top-level field, a look-alike id).
    public let hasWarnings: Bool
    /// SHA-256 of `canonical`, when the reader was asked for digests.
    let digest: RecordDigest?
    /// The value `recognize` gave this line: it was not parsed.
    let known: Int64?
    /// SHA-256 of the canonical record without its `id`, when asked for.
    let contentWithoutId: RecordDigest?

    public var idString: String { String(decoding: id, as: UTF8.self) }
}

/// Reads a JSONL dataset file: parses each line, checks it against the record schema, and hands
/// each valid record over in canonical form, in file order. Collects every problem, up to
/// `maxErrors` errors, each with its line and column.
///
/// The work is spread over threads by `LinePipeline`: one reads the file in chunks of lines, two or
/// more parse and check them (`LineChecker`, hashing them when asked), and the calling thread
/// receives the records in order. Memory stays bounded whatever the file's size.
public final class DatasetReader {
    public struct Options: Sendable {
        /// Unknown top-level fields become errors instead of warnings.
        public var strict = false
        /// Stop after this many errors.
        public var maxErrors = 50
        /// Hash the file's raw bytes (`rawSHA256`).
        public var hashRawBytes = false
        /// Compute each record's SHA-256 (`CheckedRecord.digest`).
        var digests = false
        /// Compute each record's SHA-256 without its id (`CheckedRecord.contentWithoutId`).
        var contentWithoutIdDigests = false
        /// Compute the dataset hash of the valid records (`datasetHash`), on a thread of its own.
        var datasetHash = false
        /// The bytes of the file mapped into memory at a time (`LineReader.mappedRegionSize`).
        var mappedRegionSize = FileRegion.defaultSize

        public init(strict: Bool = false, maxErrors: Int = 50, hashRawBytes: Bool = false) {
            self.strict = strict
            self.maxErrors = maxErrors
            self.hashRawBytes = hashRawBytes
        }
    }

    public let path: String
    public let options: Options
    /// Errors up to `maxErrors`, and warnings, in file order; or the one problem of a file that is
    /// not JSONL at all (`JSONLShape`).
    public var problems: [DataError] {
        if errorCount > 0, let shape = JSONLShape.problem(path: path, file: displayName) { return [shape] }
        return Self.inFileOrder(collected, maxErrors: options.maxErrors)
    }
    public private(set) var errorCount = 0
    /// True when reading stopped at `maxErrors`.
    public var stoppedEarly: Bool { errorCount > options.maxErrors || stopped }
    /// Records handed over.
    public private(set) var recordCount = 0
    /// The first line that is not already in canonical form, and why (for `validate --canonical`).
    public private(set) var firstNonCanonicalLine: (line: Int, reason: String)?
    private let lines: LineReader
    private var collected: [DataError] = []
    private var stopped = false
    private var nonASCIIIds: [String: (bytes: [UInt8], line: Int)] = [:]

    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        self.lines = try LineReader(path: path, hashingRawBytes: options.hashRawBytes)
        lines.mappedRegionSize = options.mappedRegionSize
    }

    /// The dataset hash of the valid records read, in order (with the `datasetHash` option).
    public private(set) var datasetHash: String?

    /// Hex SHA-256 of the raw bytes read (with `hashRawBytes`).
    public var rawSHA256: String { lines.rawSHA256 }
    public var bytesRead: Int { lines.bytesRead }
    public var totalBytes: Int? { lines.totalBytes }
    public var hasErrors: Bool { errorCount > 0 }

    /// The name used for the file in messages.
    public var displayName: String { path == "-" ? "<stdin>" : path }

    /// Reads the whole file, calling `body` on this thread for each valid record, in file order,
    /// with the number of bytes read so far.
    public func read(_ body: (CheckedRecord, _ bytesRead: Int) throws -> Void) throws {
        try read(recognizing: nil, body)
    }

    /// As `read(_:)`; with `recognize`, each line's SHA-256 is looked up first in the segments it
    /// holds when a worker thread starts the line's batch, and a line found there is handed over
    /// unparsed and unchecked, with `known` set: the caller vouches that those bytes are a valid
    /// canonical record it already holds.
    func read(
        recognizing recognize: HeadDigestWindow?,
        _ body: (CheckedRecord, _ bytesRead: Int) throws -> Void
    ) throws {
        let pipeline = LinePipeline(lines)
        let options = self.options
        let displayName = self.displayName
        // The dataset hash is made on a thread of its own, from the records in file order.
        let toHash = Handoff<CheckedLines>(limit: 2 * pipeline.workerCount)
        let hashed: ThreadResult<String>? =
            options.datasetHash
            ? .start {
                var hasher = DatasetHasher()
                while let batch = try? toHash.take() { hasher.add(batch) }
                return hasher.finalize()
            } : nil
        defer {
            toHash.cancel()
            toHash.finish()
            hashed?.wait()
        }
        try pipeline.run(
            makeWorker: {
                var checker = LineChecker(options: options, file: displayName, recognize: recognize)
                return { batch in checker.check(batch) }
            },
            receive: { batch in
                try receive(batch, body)
                // Hashed after it was taken, so that the hashing thread usually lets the batch go
                // last (unmapping its region, freeing its arrays) rather than this one.
                if options.datasetHash { _ = toHash.put(batch) }
                if errorCount >= options.maxErrors {
                    stopped = true
                    return false
                }
                return true
            })
        toHash.finish()
        datasetHash = hashed?.take()  // every thread is done: `lines` is this thread's again
        if !stopped, lines.missingFinalNewline, let last = lastLine { noteNonCanonical(last, "has no final newline") }
    }

    /// Takes one checked batch on the calling thread: its problems, then its records, in order.
    private func receive(_ batch: CheckedLines, _ body: (CheckedRecord, _ bytesRead: Int) throws -> Void) throws {
        collected.append(contentsOf: batch.problems)
        errorCount += batch.errorCount
        if let note = batch.firstNonCanonical { noteNonCanonical(note.line, note.reason) }
        try batch.withBuffers { source, bytes in
            for item in batch.records {
                var hasWarnings = item.hasWarnings
                let id = UnsafeBufferPointer(rebasing: bytes[item.id])
                if id.contains(where: { $0 >= 0x80 }) && checkNormalisation(id, line: item.line, column: item.idColumn) {
                    hasWarnings = true
                }
                recordCount += 1
                try body(
                    CheckedRecord(
                        line: item.line, canonical: CheckedLines.record(item, source, bytes), id: id,
                        idColumn: item.idColumn, hasWarnings: hasWarnings, digest: item.digest,
                        known: item.known == 0 ? nil : item.known, contentWithoutId: item.contentWithoutId),
                    batch.bytesRead)
            }
        }
    }

    private var lastLine: Int? { lines.lineCount > 0 ? lines.lineCount : nil }

    /// Reports a problem found by the caller of `read` (a duplicate id, say) at a line and column.
    public func report(line: Int, column: Int, message: String, isWarning: Bool = false) {
        collected.append(DataError(file: displayName, line: line, column: column, message: message, isWarning: isWarning))
        if !isWarning { errorCount += 1 }
    }

    /// Reports a problem that belongs to no line (line and column 0 are printed as the file alone).
    public func reportFileProblem(_ message: String) {
        report(line: 1, column: 1, message: message)
    }

    private func noteNonCanonical(_ line: Int, _ reason: String) {
        if firstNonCanonicalLine == nil || line < firstNonCanonicalLine!.line { firstNonCanonicalLine = (line, reason) }
    }

    /// Warns when two ids in the file differ only by Unicode normalisation (`café` precomposed and
    /// decomposed): they are different ids, which is rarely what the author meant. True when it warned.
    private func checkNormalisation(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, column: Int) -> Bool {
        let id = String(decoding: bytes, as: UTF8.self)  // Swift's == is canonical equivalence
        if let earlier = nonASCIIIds[id] {
            if !earlier.bytes.elementsEqual(bytes) {
                report(
                    line: line, column: column,
                    message: "id \(quoted(id)) differs from the id on line \(earlier.line) only by Unicode normalisation; they are two different ids",
                    isWarning: !options.strict)
                return true
            }
        } else {
            nonASCIIIds[id] = (Array(bytes), line)
        }
        return false
    }

    /// The problems sorted by line (stable), with errors cut at `maxErrors`.
    static func inFileOrder(_ problems: [DataError], maxErrors: Int) -> [DataError] {
        let sorted = problems.enumerated().sorted { a, b in
            a.element.line != b.element.line ? a.element.line < b.element.line : a.offset < b.offset
        }.map(\.element)
        var result: [DataError] = []
        var errors = 0
        for problem in sorted {
            if !problem.isWarning {
                if errors == maxErrors { continue }
                errors += 1
            }
            result.append(problem)
        }
        return result
    }
}
