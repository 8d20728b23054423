/// One line of a JSONL file of objects, parsed, while its bytes are at hand.
struct JSONLLine {
    /// 1-based line number.
    let number: Int
    /// The line's bytes, valid only inside the callback.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The parsed line; node 0 is the object.
    let tape: JSONTape
}

/// The one reader of JSONL files of objects other than datasets (run results, proposals, and
/// the like): blank lines skipped, each line parsed, a line that is not JSON or not an object
/// reported at its `FILE:LINE:COL`, problems collected up to `maxErrors` errors. (Datasets go
/// through `DatasetReader`, the same checks on threads.)
final class JSONLObjects {
    let path: String
    /// The file as messages name it (`<stdin>` for standard input).
    var file: String { path == "-" ? "<stdin>" : path }
    let maxErrors: Int
    /// What a line holds, for messages: "a result", "a proposal".
    let what: String
    private(set) var problems: [DataError] = []
    private(set) var errorCount = 0

    init(path: String, what: String, maxErrors: Int = 50) {
        self.path = path
        self.what = what
        self.maxErrors = max(1, maxErrors)
    }

    /// The error limit is reached: the rest of the file is not read.
    var stoppedEarly: Bool { errorCount >= maxErrors }

    /// Calls `body` with each object line from `firstLine` on, until the error limit.
    func forEach(from firstLine: Int = 1, _ body: (JSONLLine) throws -> Void) throws {
        let lines = try LineReader(path: path)
        var tape = JSONTape()
        try lines.forEachLine { number, bytes in
            if number < firstLine || stoppedEarly { return }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            do throws(JSONSyntaxError) {
                try JSONParser.parse(bytes, into: &tape)
            } catch {
                report(number, bytes, at: error.offset, error.message)
                return
            }
            guard tape.nodes[0].kind == .object else {
                report(number, bytes, at: 0, "\(what) must be a JSON object")
                return
            }
            try body(JSONLLine(number: number, bytes: bytes, tape: tape))
        }
    }

    /// Reports a problem at byte `offset` of the line (its column is counted in code points).
    func report(_ line: JSONLLine, at offset: Int, _ message: String) {
        report(line.number, line.bytes, at: offset, message)
    }

    /// Reports a problem with the file as a whole (line 0).
    func reportFile(_ message: String) {
        problems.append(DataError(file: file, line: 0, column: 0, message: message))
        errorCount += 1
    }

    private func report(_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, _ message: String) {
        problems.append(DataError(file: file, line: number, column: codePointColumn(of: offset, in: bytes), message: message))
        errorCount += 1
    }

    /// Throws `EvalDBError.invalidData` with every problem when there is one.
    func throwIfInvalid() throws {
        guard errorCount > 0 else { return }
        if let shape = JSONLShape.problem(path: path, file: file) { throw EvalDBError.invalidData(errors: [shape], truncated: false) }
        throw EvalDBError.invalidData(errors: problems, truncated: stoppedEarly)
    }
}
