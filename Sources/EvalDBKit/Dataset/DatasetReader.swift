#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One valid record of a dataset file, handed to the caller while its line is being read.
public struct CanonicalRecord {
    /// 1-based line number in the file.
    public let line: Int
    /// The record's canonical JSON, without a newline. Valid only during the callback.
    public let canonical: UnsafeBufferPointer<UInt8>
    /// The record's `id`, as UTF-8 bytes. Valid only during the callback.
    public let id: UnsafeBufferPointer<UInt8>
    /// The parsed record. Valid only during the callback.
    public let tape: JSONTape
    /// The line's raw bytes. Valid only during the callback.
    public let raw: UnsafeBufferPointer<UInt8>
    /// Byte offset of the `id` value in the line.
    public let idOffset: Int
    /// The line drew a warning (an unknown top-level field, a look-alike id).
    public let hasWarnings: Bool

    /// The line was written in canonical form already: `canonical` is `raw`.
    public var isCanonicalAsWritten: Bool { tape.isCanonical }

    public var idString: String { String(decoding: id, as: UTF8.self) }
}

/// Reads a JSONL dataset file: parses each line, checks it against the record schema, and hands
/// each valid record over in canonical form. Collects every problem, up to `maxErrors` errors,
/// each with its line and column.
public final class DatasetReader {
    public struct Options: Sendable {
        /// Unknown top-level fields become errors instead of warnings.
        public var strict = false
        /// Stop after this many errors.
        public var maxErrors = 50
        /// Hash the file's raw bytes (`rawSHA256`).
        public var hashRawBytes = false
        public init(strict: Bool = false, maxErrors: Int = 50, hashRawBytes: Bool = false) {
            self.strict = strict
            self.maxErrors = maxErrors
            self.hashRawBytes = hashRawBytes
        }
    }

    public let path: String
    public let options: Options
    /// Errors and warnings, in the order of the file.
    public private(set) var problems: [DataError] = []
    public private(set) var errorCount = 0
    /// True when reading stopped at `maxErrors`.
    public private(set) var stoppedEarly = false
    /// Records handed over.
    public private(set) var recordCount = 0
    /// The first line that is not already in canonical form, and why (for `validate --canonical`).
    public private(set) var firstNonCanonicalLine: (line: Int, reason: String)?
    private let lines: LineReader
    private var nonASCIIIds: [String: (bytes: [UInt8], line: Int)] = [:]
    private var currentLine: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)
    private var currentLineNumber = 0

    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        self.lines = try LineReader(path: path, hashingRawBytes: options.hashRawBytes)
    }

    public var rawSHA256: String { lines.rawSHA256 }
    public var bytesRead: Int { lines.bytesRead }
    public var totalBytes: Int? { lines.totalBytes }
    public var hasErrors: Bool { errorCount > 0 }

    /// The name used for the file in messages.
    public var displayName: String { path == "-" ? "<stdin>" : path }

    /// Reads the whole file, calling `body` for each valid record in file order.
    public func read(_ body: (CanonicalRecord) throws -> Void) throws {
        try read(recognizing: nil as ((UnsafeBufferPointer<UInt8>) -> Int?)?, known: nil, body)
    }

    /// Reads the whole file, calling `body` for each valid record in file order.
    ///
    /// With `recognize`, each line's bytes are offered to it first; a line it recognises (by
    /// returning a value) is handed to `known` with that value, unparsed and unchecked: the caller
    /// vouches that those bytes are a valid canonical record it already holds.
    public func read<Known>(recognizing recognize: ((UnsafeBufferPointer<UInt8>) -> Known?)? = nil,
                            known: ((Known, Int, UnsafeBufferPointer<UInt8>) throws -> Void)? = nil,
                            _ body: (CanonicalRecord) throws -> Void) throws {
        var tape = JSONTape()
        var output: [UInt8] = []
        output.reserveCapacity(1 << 16)
        var schemaProblems: [RecordSchema.Problem] = []
        try lines.forEachLine { number, line in
            if stoppedEarly { return }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {  // blank line
                noteNonCanonical(number, "is blank")
                return
            }
            if number == 1 && lines.hadByteOrderMark { noteNonCanonical(1, "starts with a byte order mark") }
            if lines.lineHadCarriageReturn { noteNonCanonical(number, "ends with CR LF instead of LF") }
            currentLine = line
            currentLineNumber = number
            if let recognize, let known, let value = recognize(line) {
                recordCount += 1
                try known(value, number, line)
                return
            }
            do {
                try JSONParser.parse(line, into: &tape)
            } catch let error as JSONSyntaxError {
                report(offset: error.offset, message: error.message)
                return
            }
            schemaProblems.removeAll(keepingCapacity: true)
            let idNode = RecordSchema.check(tape, problems: &schemaProblems)
            var lineHasError = false
            let problemsBefore = problems.count
            for problem in schemaProblems {
                let isWarning = problem.isWarning && !options.strict
                report(offset: problem.offset, message: problem.message, isWarning: isWarning)
                lineHasError = lineHasError || !isWarning
            }
            guard !lineHasError, let idNode else { return }
            let idNodeValue = tape.nodes[idNode]
            checkNormalisation(tape, idNode)
            let hasWarnings = problems.count > problemsBefore
            if !tape.isCanonical {
                noteNonCanonical(number, "is not in canonical form (keys sorted, \", \" and \": \" separators, non-ASCII escaped)")
                output.removeAll(keepingCapacity: true)
                CanonicalJSON.write(tape, to: &output)
            }
            try withCanonicalBytes(tape.isCanonical ? line : nil, output) { canonical in
                try tape.arena.withUnsafeBufferPointer { arena in
                    let id = UnsafeBufferPointer(rebasing: arena[Int(idNodeValue.start)..<Int(idNodeValue.start + idNodeValue.length)])
                    recordCount += 1
                    try body(CanonicalRecord(line: number, canonical: canonical, id: id, tape: tape, raw: line,
                                             idOffset: Int(idNodeValue.source), hasWarnings: hasWarnings))
                }
            }
        }
        if lines.missingFinalNewline { noteNonCanonical(currentLineNumber, "has no final newline") }
    }

    /// Calls `body` with `line` when it is canonical as written, else with the bytes written out.
    private func withCanonicalBytes(_ line: UnsafeBufferPointer<UInt8>?, _ written: [UInt8],
                                    _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        if let line { try body(line) } else { try written.withUnsafeBufferPointer(body) }
    }

    private func noteNonCanonical(_ line: Int, _ reason: String) {
        if firstNonCanonicalLine == nil { firstNonCanonicalLine = (line, reason) }
    }

    /// Reports a problem on the line being read (call only from inside `read`'s callback).
    public func report(offset: Int, message: String, isWarning: Bool = false) {
        problems.append(DataError(file: displayName, line: currentLineNumber, column: column(of: offset),
                                  message: message, isWarning: isWarning))
        if !isWarning {
            errorCount += 1
            if errorCount >= options.maxErrors { stoppedEarly = true }
        }
    }

    /// Reports a problem that belongs to no line (line and column 0 are printed as the file alone).
    public func reportFileProblem(_ message: String) {
        problems.append(DataError(file: displayName, line: 0, column: 0, message: message))
        errorCount += 1
    }

    /// 1-based column of a byte offset of the line being read, in code points (call only from
    /// inside `read`'s callbacks).
    public func column(of offset: Int) -> Int {
        var column = 1
        for i in 0..<min(offset, currentLine.count) where currentLine[i] & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// Warns when two ids in the file differ only by Unicode normalisation (`café` precomposed and
    /// decomposed): they are different ids, which is rarely what the author meant.
    private func checkNormalisation(_ tape: JSONTape, _ idNode: Int) {
        let bytes = tape.bytes(idNode)
        guard bytes.contains(where: { $0 >= 0x80 }) else { return }
        let id = String(decoding: bytes, as: UTF8.self)  // Swift's == is canonical equivalence
        if let earlier = nonASCIIIds[id] {
            if !earlier.bytes.elementsEqual(bytes) {
                report(offset: Int(tape.nodes[idNode].source),
                       message: "id \(quoted(id)) differs from the id on line \(earlier.line) only by Unicode normalisation; they are two different ids",
                       isWarning: true)
            }
        } else {
            nonASCIIIds[id] = (Array(bytes), currentLineNumber)
        }
    }
}
