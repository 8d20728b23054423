import Foundation

/// Lines as read from the file, before any checking: in `bytes`, or in a mapped `region` of the
/// file (then not copied at all).
struct RawLines: Sendable {
    var sequence: Int
    var bytes: [UInt8] = []
    var region: FileRegion?
    var lines: [RawLine] = []
    var bytesRead = 0

    init(sequence: Int, mapped: Bool = false) {
        self.sequence = sequence
        if !mapped { bytes.reserveCapacity(1 << 18 + 1 << 14) }
    }

    /// The bytes the lines' ranges are in.
    func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        if let region { return try body(region.bytes) }
        return try bytes.withUnsafeBufferPointer(body)
    }
}

struct RawLine: Sendable {
    var number: Int
    var range: Range<Int>
    var hadCarriageReturn: Bool
    var afterByteOrderMark: Bool
}

/// Checked lines: their valid records in canonical form, and their problems. A record that is its
/// line as read (`recordInSource`) is read from `source`, other records and every id from `bytes`.
struct CheckedLines: Sendable {
    var source: RawLines
    var bytes: [UInt8] = []
    var records: [Item] = []
    var problems: [DataError] = []
    var errorCount = 0
    var firstNonCanonical: (line: Int, reason: String)?
    var bytesRead = 0

    struct Item: Sendable {
        var line: Int
        var record: Range<Int>
        var recordInSource: Bool
        var id: Range<Int>
        var idColumn: Int
        var hasWarnings: Bool
        var digest: RecordDigest?
        var known: Int64
        var contentWithoutId: RecordDigest?
    }

    /// Calls `body` with the source's bytes and `bytes`.
    func withBuffers<T>(_ body: (_ source: UnsafeBufferPointer<UInt8>, _ bytes: UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try source.withBytes { source in try bytes.withUnsafeBufferPointer { try body(source, $0) } }
    }

    /// An item's record.
    static func record(_ item: Item, _ source: UnsafeBufferPointer<UInt8>, _ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: (item.recordInSource ? source : bytes)[item.record])
    }
}

/// Checks lines one at a time on a worker thread: JSON, the record schema, canonical form.
struct LineChecker {
    let options: DatasetReader.Options
    let file: String
    let recognize: HeadDigestWindow?
    private var known: HeadDigestWindow.Snapshot?
    private var tape = JSONTape()
    private var output: [UInt8] = []
    private var scratch: [UInt8] = []
    private var schemaProblems: [RecordSchema.Problem] = []

    init(options: DatasetReader.Options, file: String, recognize: HeadDigestWindow?) {
        self.options = options
        self.file = file
        self.recognize = recognize
        output.reserveCapacity(1 << 16)
    }

    mutating func check(_ batch: RawLines) -> CheckedLines {
        var result = CheckedLines(source: batch)
        result.bytesRead = batch.bytesRead
        result.bytes.reserveCapacity(1 << 14)
        known = recognize?.snapshot()
        batch.withBytes { bytes in
            for raw in batch.lines {
                check(UnsafeBufferPointer(rebasing: bytes[raw.range]), raw, into: &result)
            }
        }
        return result
    }

    private mutating func check(_ line: UnsafeBufferPointer<UInt8>, _ raw: RawLine, into result: inout CheckedLines) {
        func noteNonCanonical(_ reason: String) {
            if result.firstNonCanonical == nil { result.firstNonCanonical = (raw.number, reason) }
        }
        func report(_ offset: Int, _ message: String, isWarning: Bool) {
            result.problems.append(
                DataError(
                    file: file, line: raw.number, column: codePointColumn(of: offset, in: line),
                    message: message, isWarning: isWarning))
            if !isWarning { result.errorCount += 1 }
        }
        if let tooLong = RecordLimit.lineProblem(length: line.count) {
            report(0, tooLong, isWarning: false)
            return
        }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
            noteNonCanonical("is blank")
            return
        }
        if raw.afterByteOrderMark { noteNonCanonical("starts with a byte order mark") }
        if raw.hadCarriageReturn { noteNonCanonical("ends with CR LF instead of LF") }

        var lineDigest: RecordDigest?
        if options.digests || recognize != nil {
            let digest = RecordDigest(of: line)
            lineDigest = digest
            if let key = known?.key(for: digest) {
                result.records.append(
                    .init(
                        line: raw.number, record: raw.range, recordInSource: true, id: 0..<0, idColumn: 1,
                        hasWarnings: false, digest: digest, known: key, contentWithoutId: nil))
                return
            }
        }
        do {
            try JSONParser.parse(line, into: &tape)
        } catch {
            if ConflictMarker.isMarker(line) {
                result.problems.append(.unresolvedMerge(file: file, line: raw.number))
                result.errorCount += 1
            } else {
                report(error.offset, error.message, isWarning: false)
            }
            return
        }
        schemaProblems.removeAll(keepingCapacity: true)
        let idNode = RecordSchema.check(tape, problems: &schemaProblems)
        var lineHasError = false
        var hasWarnings = false
        for problem in schemaProblems {
            let isWarning = problem.isWarning && !options.strict
            report(problem.offset, problem.message, isWarning: isWarning)
            lineHasError = lineHasError || !isWarning
            hasWarnings = hasWarnings || isWarning
        }
        guard !lineHasError, let idNode else { return }

        var record = raw.range
        var digest = lineDigest
        if !tape.isCanonical {
            noteNonCanonical("is not in canonical form (keys sorted, \", \" and \": \" separators, non-ASCII escaped)")
            output.removeAll(keepingCapacity: true)
            CanonicalJSON.write(tape, to: &output)
            if let tooLong = RecordLimit.canonicalProblem(length: output.count) {
                report(0, tooLong, isWarning: false)
                return
            }
            record = result.bytes.count..<result.bytes.count + output.count
            result.bytes.append(contentsOf: output)
            if options.digests { digest = output.withUnsafeBufferPointer { RecordDigest(of: $0) } }
        }
        let idStart = result.bytes.count
        result.bytes.append(contentsOf: tape.bytes(idNode))
        var contentWithoutId: RecordDigest?
        if options.contentWithoutIdDigests {
            // A canonical line has the member cut out of its text; another is written again from its parse.
            if !tape.isCanonical || !CanonicalMembers.object(of: line, withoutId: &scratch) {
                scratch.removeAll(keepingCapacity: true)
                CanonicalJSON.write(tape, object: 0, excluding: "id", to: &scratch)
            }
            contentWithoutId = scratch.withUnsafeBufferPointer { RecordDigest(of: $0) }
        }
        result.records.append(
            .init(
                line: raw.number, record: record, recordInSource: tape.isCanonical, id: idStart..<result.bytes.count,
                idColumn: tape.isCanonical  // then all ASCII: a byte is a column
                    ? Int(tape.nodes[idNode].source) + 1 : codePointColumn(of: Int(tape.nodes[idNode].source), in: line),
                hasWarnings: hasWarnings, digest: digest, known: 0, contentWithoutId: contentWithoutId))
    }
}

/// 1-based column of a byte offset of `line`, in code points: what FILE:LINE:COL messages show.
func codePointColumn(of offset: Int, in line: UnsafeBufferPointer<UInt8>) -> Int {
    var column = 1
    for i in 0..<min(offset, line.count) where line[i] & 0xC0 != 0x80 { column += 1 }
    return column
}
