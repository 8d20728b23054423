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
    /// Ids are remembered by a 128-bit digest (20 bytes an id with its line), in 256 tables that
    /// grow one at a time (one table's growth, not the whole set's, is ever held twice).
    public static func check(path: String, options: DatasetReader.Options = .init()) throws -> DatasetFileCheck {
        var options = options
        options.datasetHash = true
        let reader = try DatasetReader(path: path, options: options)
        var firstLineOfId = [[IdDigest: Int32]](repeating: [:], count: 256)
        try reader.read { record, _ in
            let digest = IdDigest(record.id)
            let table = Int(digest.high >> 56)
            if let first = firstLineOfId[table][digest] {
                reader.report(
                    line: record.line, column: record.idColumn,
                    message: "duplicate id \(quoted(record.idString)) (first on line \(first)): ids must be unique in a file")
                return
            }
            firstLineOfId[table][digest] = Int32(truncatingIfNeeded: record.line)
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
}

/// The first 128 bits of an id's SHA-256: enough to tell ids apart (a collision is about as likely
/// as guessing a random 128-bit key) at 16 bytes an id.
struct IdDigest: Hashable {
    let high: UInt64
    let low: UInt64

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
