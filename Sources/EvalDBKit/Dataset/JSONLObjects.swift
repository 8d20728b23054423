/// One line of a JSONL file of objects, parsed, while its bytes are at hand.
struct JSONLLine {
    /// 1-based line number.
    let number: Int
    /// The line's bytes, valid only inside the callback.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The parsed line; node 0 is the object.
    let tape: JSONTape
}

/// The reader of JSONL files of objects other than datasets (run results, proposals, verdicts):
/// blank lines skipped, each line parsed, a line that is not JSON or not an object reported at its
/// `FILE:LINE:COL`, problems collected up to `maxErrors` errors. Lines are read and parsed on
/// threads by `LinePipeline`, as datasets (`DatasetReader`) and traces (`TraceSampler`) are.
final class JSONLObjects {
    let path: String
    /// The file as messages name it (`<stdin>` for standard input).
    var file: String { path == "-" ? "<stdin>" : path }
    let maxErrors: Int
    /// What a line holds, for messages: "a result", "a proposal".
    let what: String
    private(set) var problems: [DataError] = []
    private(set) var errorCount = 0
    /// The object lines handed to `forEach`'s body so far.
    private(set) var objectCount = 0

    init(path: String, what: String, maxErrors: Int = 50) {
        self.path = path
        self.what = what
        self.maxErrors = max(1, maxErrors)
    }

    /// The error limit is reached: the rest of the file is not read.
    var stoppedEarly: Bool { errorCount >= maxErrors }

    /// Calls `body` with each object line from `firstLine` on, in file order, until the error
    /// limit. The lines are read and parsed on other threads (`LinePipeline`); `body` runs on this one.
    func forEach(from firstLine: Int = 1, _ body: (JSONLLine) throws -> Void) throws {
        let pipeline = LinePipeline(try LineReader(path: path, hashingRawBytes: false))
        let what = self.what
        try pipeline.run(
            makeWorker: {
                var tape = JSONTape()
                return { batch in ParsedLines(batch, from: firstLine, what: what, tape: &tape) }
            },
            receive: { parsed in
                try parsed.raw.withBytes { bytes in
                    for line in parsed.lines {
                        if stoppedEarly { return }
                        let text = UnsafeBufferPointer(rebasing: bytes[line.range])
                        switch line.content {
                        case .object(let tape):
                            objectCount += 1
                            try body(JSONLLine(number: line.number, bytes: text, tape: tape))
                        case .problem(let offset, let message): report(line.number, text, at: offset, message)
                        }
                    }
                }
                return !stoppedEarly
            })
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

    /// Throws `EvalDBError.invalidData` with every problem when there is one, and when the file
    /// held no object at all (every command treats an empty file alike: an error, nothing written).
    func throwIfInvalid() throws {
        if objectCount == 0 && errorCount == 0 { reportFile("the file holds no \(what.hasPrefix("a ") ? what.dropFirst(2) + "s" : what)") }
        guard errorCount > 0 else { return }
        if let shape = JSONLShape.problem(path: path, file: file) { throw EvalDBError.invalidData(errors: [shape], truncated: false) }
        throw EvalDBError.invalidData(errors: problems, truncated: stoppedEarly)
    }
}

/// A batch of lines parsed on a worker thread: each non-blank line from `firstLine` on, as its
/// parsed object or its problem.
private struct ParsedLines: Sendable {
    enum Content: Sendable {
        case object(JSONTape)
        case problem(offset: Int, message: String)
    }

    struct Line: Sendable {
        var number: Int
        var range: Range<Int>
        var content: Content
    }

    /// The lines as read (their bytes, or the mapped region of the file they are in).
    let raw: RawLines
    var lines: [Line] = []

    init(_ batch: RawLines, from firstLine: Int, what: String, tape: inout JSONTape) {
        raw = batch
        batch.withBytes { bytes in
            for line in batch.lines where line.number >= firstLine {
                let text = UnsafeBufferPointer(rebasing: bytes[line.range])
                if let tooLong = RecordLimit.lineProblem(length: text.count) {
                    lines.append(Line(number: line.number, range: line.range, content: .problem(offset: 0, message: tooLong)))
                    continue
                }
                if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                let content: Content
                do throws(JSONSyntaxError) {
                    try JSONParser.parse(text, into: &tape)
                    content =
                        tape.nodes[0].kind == .object ? .object(tape.compacted()) : .problem(offset: 0, message: "\(what) must be a JSON object")
                } catch {
                    content = .problem(offset: error.offset, message: error.message)
                }
                lines.append(Line(number: line.number, range: line.range, content: content))
            }
        }
    }
}
