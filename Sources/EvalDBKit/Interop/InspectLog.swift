import Foundation

/// An Inspect AI eval log read as evaldb results: `.json` (the log as one JSON document) or
/// `.eval` (a zip archive: `header.json` and one `samples/ID_epoch_N.json` a sample).
///
/// Each sample becomes one result line:
/// - `id`: the sample's id (a string; an integer id as its decimal text);
/// - `trial`: its epoch − 1 (Inspect counts epochs from 1, evaldb trials from 0);
/// - `score` and `pass`: the value of the chosen scorer, as Inspect's own `value_to_float` reads
///   it — `C` 1, `P` 0.5, `I` and `N` 0, true 1, false 0, a number as itself, `yes`/`true` 1 and
///   `no`/`false` 0 (any case), a numeric string as its number — and `pass` when that is 1 or more.
///   Any other value (an object of several values, a word) is refused at its FILE:LINE:COL;
/// - `output`: the model's completion (text); `rationale`: the score's explanation;
/// - `inspect`: what else Inspect said of the sample's scoring: `{"epoch", "scores"}` (every
///   scorer's score, as it is in the log), and `usage`: the output's token usage;
/// - a sample with an error, or without a score from the scorer, is an error result
///   (`{"kind": "inspect", "message"}`), left out of pass rates as `run exec`'s errors are.
///
/// The chosen scorer is the one named, else the log's first (Inspect's headline), else the
/// sample's only one. Samples are in the order of the log's dataset (`eval.dataset.sample_ids`),
/// each sample's epochs in order.
public struct InspectLog: Sendable {
    /// Where a result line came from: the sample's place in the log, for messages.
    struct Origin: Sendable {
        var file: String
        var line: Int
        var column: Int
    }

    public let path: String
    public var task: String?
    public var model: String?
    public var evalId: String?
    /// `success`, `error`, `cancelled` or `started` (a log still being written).
    public var status: String?
    /// The scorer whose scores are the results'.
    public var scorer: String?
    /// The dataset hash the samples' metadata carries (`evaldb_dataset`), when they do.
    public var datasetHash: String?
    /// How many results are errors (a sample's error, or no score).
    public var errors = 0
    /// One canonical JSON result line a sample.
    var lines: [[UInt8]] = []
    var origins: [Origin] = []

    public var resultCount: Int { lines.count }

    /// The run's meta: model, task, scorer, Inspect's eval id and the log's status, when known.
    public var meta: [(key: String, value: String)] {
        [("model", model), ("task", task), ("scorer", scorer), ("inspect_eval_id", evalId), ("inspect_status", status)]
            .compactMap { pair in pair.1.map { (key: pair.0, value: $0) } }
    }

    /// Reads the log at `path`. Throws `EvalDBError.invalidData` with every problem's FILE:LINE:COL
    /// (in a `.eval` log, FILE is `LOG:ENTRY`), `EvalDBError.cannotRead` for a file that is not one.
    public static func read(path: String, scorer: String? = nil, maxErrors: Int = 50) throws -> InspectLog {
        var log = InspectLog(path: path)
        var reader = Reader(maxErrors: maxErrors)
        if path.hasSuffix(".eval") || isZip(path) {
            let archive = try ZipArchive(path: path)
            guard let header = archive.entry(named: "header.json") ?? archive.entry(named: "_journal/start.json") else {
                throw EvalDBError.cannotRead(path: path, reason: "an Inspect .eval log holds header.json, this zip archive does not")
            }
            let headerDocument = try reader.parse(try archive.contents(of: header), file: "\(path):\(header.name)")
            log.readHeader(headerDocument, scorer: scorer)
            var samples: [Document] = []
            for entry in archive.entries where entry.name.hasPrefix("samples/") && entry.name.hasSuffix(".json") {
                samples.append(try reader.parse(try archive.contents(of: entry), file: "\(path):\(entry.name)"))
            }
            log.readSamples(samples.map { ($0, 0) }, order: headerDocument, reader: &reader)
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw EvalDBError.cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            let document = try reader.parse([UInt8](data), file: path)
            log.readHeader(document, scorer: scorer)
            var samples: [(Document, Int)] = []
            if let list = document.tape.member(0, "samples"), document.tape.nodes[list].kind == .array {
                samples = document.tape.elements(list).map { (document, $0) }
            } else {
                reader.report(document, 0, "an Inspect log has \"samples\"; this one has none (Inspect's log_samples was off)")
            }
            log.readSamples(samples, order: document, reader: &reader)
        }
        if log.lines.isEmpty && reader.problems.isEmpty {
            reader.problems.append(DataError(file: path, line: 0, column: 0, message: "the log holds no samples"))
        }
        if !reader.problems.isEmpty { throw EvalDBError.invalidData(errors: reader.problems, truncated: reader.problems.count >= maxErrors) }
        return log
    }

    private static func isZip(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data([0x50, 0x4B, 0x03, 0x04])
    }

    // MARK: - Reading

    /// A parsed JSON document and the bytes it was parsed from (for line and column).
    struct Document {
        var file: String
        var bytes: [UInt8]
        var tape: JSONTape
        /// The offset of each line's first byte: a node's line is found by binary search, so that
        /// placing every sample of a large log costs no pass over the file each.
        let lineStarts: [Int]
        /// The number of the document's first line in its file (a line of a JSONL file).
        var firstLine = 1

        init(file: String, bytes: [UInt8], tape: JSONTape) {
            self.file = file
            self.bytes = bytes
            self.tape = tape
            var starts = [0]
            for (index, byte) in bytes.enumerated() where byte == 0x0A { starts.append(index + 1) }
            lineStarts = starts
        }

        func origin(_ node: Int) -> Origin {
            let offset = min(Int(tape.nodes[node].source), bytes.count)
            var low = 0, high = lineStarts.count - 1  // the last line starting at or before offset
            while low < high {
                let middle = (low + high + 1) / 2
                if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
            }
            let line = low + firstLine, lineStart = lineStarts[low]
            var column = 1
            for index in lineStart..<offset where bytes[index] & 0xC0 != 0x80 { column += 1 }
            return Origin(file: file, line: line, column: column)
        }
    }

    struct Reader {
        var maxErrors: Int
        var problems: [DataError] = []

        mutating func parse(_ bytes: [UInt8], file: String, what: String = "an Inspect log", firstLine: Int = 1) throws -> Document {
            var tape = JSONTape()
            do throws(JSONSyntaxError) {
                try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in try JSONParser.parse(buffer, into: &tape) }
            } catch {
                var document = Document(file: file, bytes: bytes, tape: JSONTape())
                document.firstLine = firstLine
                document.tape = (try? JSONParser.parse("0")) ?? JSONTape()
                document.tape.nodes[0].source = Int32(clamping: error.offset)
                let at = document.origin(0)
                throw EvalDBError.invalidData(
                    errors: [DataError(file: file, line: at.line, column: at.column, message: error.message)], truncated: false)
            }
            guard tape.nodes[0].kind == .object else {
                throw EvalDBError.invalidData(
                    errors: [DataError(file: file, line: firstLine, column: 1, message: "\(what) must be a JSON object")], truncated: false)
            }
            return Document(file: file, bytes: bytes, tape: tape)
        }

        mutating func report(_ document: Document, _ node: Int, _ message: String) {
            guard problems.count < maxErrors else { return }
            let at = document.origin(node)
            problems.append(DataError(file: at.file, line: at.line, column: at.column, message: message))
        }
    }

    private mutating func readHeader(_ document: Document, scorer chosen: String?) {
        let tape = document.tape
        func text(_ node: Int?) -> String? { node.flatMap { tape.nodes[$0].kind == .string ? tape.string($0) : nil } }
        status = text(tape.member(0, "status"))
        if let eval = tape.member(0, "eval"), tape.nodes[eval].kind == .object {
            task = text(tape.member(eval, "task"))
            model = text(tape.member(eval, "model"))
            evalId = text(tape.member(eval, "eval_id"))
        }
        scorer = chosen
        if scorer == nil, let results = tape.member(0, "results"), tape.nodes[results].kind == .object,
            let scores = tape.member(results, "scores"), tape.nodes[scores].kind == .array, let first = tape.elements(scores).first,
            tape.nodes[first].kind == .object
        {
            scorer = text(tape.member(first, "name"))
        }
    }

    /// The sample ids in the log's dataset order, for sorting.
    private static func sampleOrder(_ document: Document) -> [String: Int] {
        let tape = document.tape
        guard let eval = tape.member(0, "eval"), tape.nodes[eval].kind == .object, let dataset = tape.member(eval, "dataset"),
            tape.nodes[dataset].kind == .object, let ids = tape.member(dataset, "sample_ids"), tape.nodes[ids].kind == .array
        else { return [:] }
        var order: [String: Int] = [:]
        for (index, node) in tape.elements(ids).enumerated() where order[tape.string(node)] == nil { order[tape.string(node)] = index }
        return order
    }

    private mutating func readSamples(_ samples: [(Document, Int)], order header: Document, reader: inout Reader) {
        struct Read {
            var id: String
            var epoch: Int
            var line: [UInt8]
            var origin: Origin
        }
        var read: [Read] = []
        var hashOrigin: (Document, Int)?
        for (document, sample) in samples {
            let tape = document.tape
            guard tape.nodes[sample].kind == .object else {
                reader.report(document, sample, "a sample is a JSON object")
                continue
            }
            guard let idNode = tape.member(sample, "id"), [.string, .integer].contains(tape.nodes[idNode].kind) else {
                reader.report(document, sample, "a sample needs \"id\", a string or an integer")
                continue
            }
            let id = tape.string(idNode)
            guard let epochNode = tape.member(sample, "epoch"), tape.nodes[epochNode].kind == .integer, let epoch = Int(tape.string(epochNode)),
                epoch >= 1
            else {
                reader.report(document, tape.member(sample, "epoch") ?? sample, "a sample needs \"epoch\", a whole number from 1")
                continue
            }
            if let metadata = tape.member(sample, "metadata"), tape.nodes[metadata].kind == .object,
                let hash = tape.member(metadata, InspectDataset.datasetKey)
            {
                if tape.nodes[hash].kind != .string {
                    reader.report(document, hash, "\"\(InspectDataset.datasetKey)\" must be a dataset hash (sha256:…), a string")
                } else if let known = datasetHash, known != tape.string(hash), let (firstDocument, firstNode) = hashOrigin {
                    let first = firstDocument.origin(firstNode)
                    reader.report(
                        document, hash,
                        "this sample is of dataset \(tape.string(hash).prefix(19)), an earlier one (\(first.file):\(first.line)) of \(known.prefix(19)): a run is of one dataset version"
                    )
                } else if datasetHash == nil {
                    datasetHash = tape.string(hash)
                    hashOrigin = (document, hash)
                }
            }
            guard let line = resultLine(document, sample, id: id, epoch: epoch, reader: &reader) else { continue }
            read.append(Read(id: id, epoch: epoch, line: line, origin: document.origin(idNode)))
        }
        let order = Self.sampleOrder(header)
        read.sort { a, b in
            let (left, right) = (order[a.id] ?? Int.max, order[b.id] ?? Int.max)
            if left != right { return left < right }
            if a.id != b.id { return Array(a.id.utf8).lexicographicallyPrecedes(Array(b.id.utf8)) }
            return a.epoch < b.epoch
        }
        lines = read.map(\.line)
        origins = read.map(\.origin)
    }

    /// The result line of one sample, or nil after reporting why there is none.
    private mutating func resultLine(_ document: Document, _ sample: Int, id: String, epoch: Int, reader: inout Reader) -> [UInt8]? {
        let tape = document.tape
        var members: [(String, [UInt8])] = []
        func json(_ node: Int) -> [UInt8] {
            var out: [UInt8] = []
            CanonicalJSON.write(tape, node, to: &out)
            return out
        }
        func string(_ text: String) -> [UInt8] { Array(JSONText.string(text).utf8) }
        members.append(("id", string(id)))
        members.append(("trial", Array(String(epoch - 1).utf8)))
        var inspect: [(String, [UInt8])] = [("epoch", Array(String(epoch).utf8))]
        let scores = tape.member(sample, "scores").flatMap { tape.nodes[$0].kind == .object ? $0 : nil }
        if let scores { inspect.append(("scores", json(scores))) }
        if let output = tape.member(sample, "output"), tape.nodes[output].kind == .object {
            if let completion = tape.member(output, "completion"), tape.nodes[completion].kind == .string {
                // Inspect may pool long text as `attachment://HASH`, kept in the sample's attachments.
                let text = tape.string(completion)
                if text.hasPrefix("attachment://"), let attachments = tape.member(sample, "attachments"),
                    tape.nodes[attachments].kind == .object,
                    let attached = tape.member(attachments, String(text.dropFirst("attachment://".count))), tape.nodes[attached].kind == .string
                {
                    members.append(("output", json(attached)))
                } else {
                    members.append(("output", json(completion)))
                }
            }
            if let usage = tape.member(output, "usage"), tape.nodes[usage].kind == .object { members.append(("usage", json(usage))) }
        }
        var errorMessage: String?
        if let error = tape.member(sample, "error"), tape.nodes[error].kind != .null {
            let message = tape.nodes[error].kind == .object ? tape.member(error, "message") : error
            errorMessage = message.flatMap { tape.nodes[$0].kind == .string ? tape.string($0) : nil } ?? "the sample failed"
        }
        let scorerName = scorer ?? scores.flatMap { node in tape.members(node).count == 1 ? tape.string(tape.members(node)[0].key) : nil }
        if scorer == nil, let scorerName { scorer = scorerName }
        let score = scorerName.flatMap { name in scores.flatMap { tape.member($0, name) } }
        if errorMessage == nil, score == nil {
            if let scores, tape.members(scores).count > 1, scorer == nil {
                reader.report(
                    document, scores,
                    "the sample has several scorers (\(tape.members(scores).map { tape.string($0.key) }.joined(separator: ", "))): name the scorer to read"
                )
                return nil
            }
            errorMessage = "no score from scorer \(scorerName.map(quoted) ?? "(none)")"
        }
        if let errorMessage {
            members.append(("pass", Array("false".utf8)))
            members.append(("error", Array("{\"kind\": \"inspect\", \"message\": \(JSONText.string(errorMessage))}".utf8)))
            errors += 1
        } else if let score {
            let value = tape.nodes[score].kind == .object ? tape.member(score, "value") : nil
            guard let value, let number = Self.number(tape, value) else {
                reader.report(
                    document, value ?? score,
                    "the score of \(quoted(scorerName ?? "")) must be C, I, P, N, true, false, a number, yes, no or a numeric string: found \(String(decoding: json(value ?? score).prefix(80), as: UTF8.self))"
                )
                return nil
            }
            members.append(("pass", Array((number >= 1 ? "true" : "false").utf8)))
            members.append(("score", Array(PythonFloat.repr(number).utf8)))
            if let explanation = tape.member(score, "explanation"), tape.nodes[explanation].kind == .string {
                members.append(("rationale", json(explanation)))
            }
        }
        members.append(("inspect", Self.object(inspect)))
        return Self.object(members)
    }

    /// Inspect's `value_to_float` for the values it maps; nil for the others.
    static func number(_ tape: JSONTape, _ node: Int) -> Double? {
        switch tape.nodes[node].kind {
        case .true: return 1
        case .false: return 0
        case .integer, .float: return Double(tape.string(node)).flatMap { $0.isFinite ? $0 : nil }
        case .string:
            switch tape.string(node) {
            case "C": return 1
            case "P": return 0.5
            case "I", "N": return 0
            case let text:
                switch text.lowercased() {
                case "yes", "true": return 1
                case "no", "false": return 0
                default:
                    let trimmed = text.trimmingCharacters(in: .whitespaces)
                    guard !trimmed.isEmpty, let value = Double(trimmed), value.isFinite else { return nil }
                    return value
                }
            }
        default: return nil
        }
    }

    /// A canonical JSON object of members given as canonical values, sorted by key.
    static func object(_ members: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, member) in members.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }).enumerated() {
            if index > 0 { out.append(contentsOf: ", ".utf8) }
            out.append(contentsOf: JSONText.string(member.0).utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: member.1)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension Store {
    /// Records an Inspect log's results (`InspectLog`) as a run against `version`, as `recordRun`
    /// records a results file: the same checks, one transaction. The run's source is the log; a
    /// problem with a result is reported at its sample's id in the log.
    public func recordRun(inspect log: InspectLog, against version: DatasetVersion, options: RunOptions) throws -> RecordedRun {
        var options = options
        // The log's meta, then the caller's, which replaces a key of the log's.
        options.meta = log.meta.filter { pair in !options.meta.contains { $0.key == pair.key } } + options.meta
        return try recordRun(converted: log.lines, origins: log.origins, from: log.path, against: version, options: options)
    }

    /// Records result lines converted from another tool's file at `path` (canonical JSON, one a
    /// result) as `recordRun` records a results file; a problem with a line is reported at
    /// `origins` (its place in the file it came from).
    func recordRun(
        converted lines: [[UInt8]], origins: [InspectLog.Origin], from path: String, against version: DatasetVersion, options: RunOptions
    ) throws -> RecordedRun {
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("evaldb-converted-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).jsonl").path
        var text: [UInt8] = []
        for line in lines {
            text.append(contentsOf: line)
            text.append(0x0A)
        }
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text)) else {
            throw EvalDBError.cannotWrite(path: temporary, reason: String(cString: strerror(errno)))
        }
        defer { unlink(temporary) }
        var options = options
        options.recordedPath = storedPath(path)
        do {
            return try recordRun(temporary, against: version, options: options)
        } catch EvalDBError.invalidData(let errors, let truncated) {
            let mapped = errors.map { error -> DataError in
                guard error.file == temporary, error.line >= 1, error.line <= origins.count else { return error }
                let origin = origins[error.line - 1]
                return DataError(file: origin.file, line: origin.line, column: origin.column, message: error.message, isWarning: error.isWarning)
            }
            throw EvalDBError.invalidData(errors: mapped, truncated: truncated)
        }
    }
}
