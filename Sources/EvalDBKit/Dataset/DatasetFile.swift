import Crypto

/// What checking a dataset file without a database finds: `validate` and `hash FILE`.
public struct DatasetFileCheck: Sendable {
    public var path: String
    public var recordCount: Int
    /// The dataset hash of the file as canonicalised (meaningful only when there are no errors).
    public var hash: String
    /// Errors and warnings, in file order.
    public var problems: [DataError]
    public var truncated: Bool
    public var firstNonCanonicalLine: Int?
    public var nonCanonicalReason: String?

    public var errors: [DataError] { problems.filter { !$0.isWarning } }
    public var isValid: Bool { errors.isEmpty }

    /// Reads and checks the whole file: JSON, the record schema, and ids unique in the file.
    ///
    /// Ids are remembered by a 128-bit digest and line (20 bytes an id). A file that can be read
    /// twice keeps them on disk (`SpilledIds`: memory flat in the file's size) and learns its
    /// duplicates once read; only when it has some is it read again, reporting each at its line as
    /// it comes, so that the problems, the error limit's stop, the count and the hash are those of
    /// one pass that knew every id seen so far. Standard input keeps them in memory, in 256 tables
    /// that grow one at a time (one table's growth, not the whole set's, is ever held twice).
    public static func check(path: String, options: DatasetReader.Options = .init()) throws -> DatasetFileCheck {
        try check(path: path, options: options, spillBuffer: 64 << 10)
    }

    /// As `check(path:options:)`, with each of the 256 buckets of ids spilled past `spillBuffer`
    /// bytes (a test makes it small).
    static func check(path: String, options: DatasetReader.Options, spillBuffer: Int) throws -> DatasetFileCheck {
        var options = options
        options.datasetHash = true
        var reader = try DatasetReader(path: path, options: options)
        if path == "-" {
            var firstLineOfId = [[IdDigest: Int32]](repeating: [:], count: 256)
            try reader.read { record, _ in
                let digest = IdDigest(record.id)
                let table = Int(digest.high >> 56)
                if let first = firstLineOfId[table][digest] {
                    reportDuplicate(record, first: first, to: reader)
                    return
                }
                firstLineOfId[table][digest] = Int32(truncatingIfNeeded: record.line)
            }
        } else {
            let ids = SpilledIds(bufferSize: spillBuffer)
            try reader.read { record, _ in try ids.add(IdDigest(record.id), line: Int32(truncatingIfNeeded: record.line)) }
            // Duplicates reported as they come count towards the error limit, which may stop the
            // read before them: the first `maxErrors` are all a pass that stops there can report.
            let duplicates = try ids.duplicates(limit: max(options.maxErrors, 1))
            if !duplicates.isEmpty {
                let firstOf = [Int32: Int32](uniqueKeysWithValues: duplicates.map { ($0.line, $0.first) })
                let again = try DatasetReader(path: path, options: options)
                try again.read { record, _ in
                    if let first = firstOf[Int32(truncatingIfNeeded: record.line)] { reportDuplicate(record, first: first, to: again) }
                }
                reader = again
            }
        }
        if reader.recordCount == 0 && !reader.hasErrors {
            reader.reportFileProblem("the file holds no records")
        }
        return DatasetFileCheck(
            path: reader.displayName, recordCount: reader.recordCount, hash: reader.datasetHash ?? "",
            problems: reader.problems, truncated: reader.stoppedEarly,
            firstNonCanonicalLine: reader.firstNonCanonicalLine?.line,
            nonCanonicalReason: reader.firstNonCanonicalLine?.reason)
    }

    private static func reportDuplicate(_ record: CheckedRecord, first: Int32, to reader: DatasetReader) {
        reader.report(
            line: record.line, column: record.idColumn,
            message: "duplicate id \(quoted(record.idString)) (first on line \(first)): ids must be unique in a file")
    }
}

/// The first 128 bits of an id's SHA-256: enough to tell ids apart (a collision is about as likely
/// as guessing a random 128-bit key) at 16 bytes an id.
struct IdDigest: Hashable {
    let high: UInt64
    let low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ id: UnsafeBufferPointer<UInt8>) {
        let digest = SHA256.hash(data: UnsafeRawBufferPointer(id))
        var words = (UInt64(0), UInt64(0))
        digest.withUnsafeBytes { bytes in
            words = (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        high = words.0
        low = words.1
    }
}
