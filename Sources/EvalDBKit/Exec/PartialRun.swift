import Crypto
import Foundation

/// A `run exec` while it runs, in a folder of its own beside the database (`.evaldb/exec/NAME-HEX/`,
/// never in git): what a kill leaves, and what resuming finishes (docs/run.md, "Resuming").
///
/// - `plan.jsonl`: a header line (`ExecPlanHeader`), then the canonical record of each example the
///   run holds, in the dataset's line order. Written once, before anything runs (renamed into
///   place), so the run's examples are fixed whatever happens to the database meanwhile.
/// - `results.jsonl`: one line `[POSITION, RESULT]` per finished result, appended as each finishes
///   (in any order); POSITION is the example's index in the plan × trials + the trial. Reused
///   results are written first. A line cut by a kill is dropped when the run resumes.
///
/// When every position has its result, the results are written in position order and recorded as
/// the run, and the folder is removed.
struct PartialRun {
    let folder: String
    var planPath: String { folder + "/plan.jsonl" }
    var resultsPath: String { folder + "/results.jsonl" }
    var orderedPath: String { folder + "/ordered.jsonl" }

    /// The folder for the run `name` of the database at `databasePath`.
    init(name: String, databasePath: String) {
        let base = (databasePath as NSString).deletingLastPathComponent
        let hex = SHA256.hash(data: Data(name.utf8)).hexString.prefix(8)
        folder = (base.isEmpty ? "." : base) + "/exec/" + TeamLog.slug(name) + "-" + hex
    }

    var exists: Bool { FileManager.default.fileExists(atPath: planPath) }

    /// Starts the run: the results file (the reused results) and the plan, whose examples
    /// `writeRecords` writes through the first function it is given, and reused results through
    /// the second; the plan is renamed into place last.
    func create(header: ExecPlanHeader, writeRecords: (_ record: ([UInt8]) throws -> Void, _ reused: (Int, [UInt8]) throws -> Void) throws -> Void)
        throws
    {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw EvalDBError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        let temporary = planPath + ".tmp"
        let plan = try BufferedFile(path: temporary)
        let results = try BufferedFile(path: resultsPath)
        try plan.append(header.bytes + [0x0A])
        try writeRecords({ record in try plan.append(record + [0x0A]) }) { position, line in
            var entry: [UInt8] = []
            Self.appendEntry(position, line, to: &entry)
            try results.append(entry)
        }
        try results.finish()
        try plan.finish()
        guard rename(temporary, planPath) == 0 else { throw EvalDBError.cannotWrite(path: planPath, reason: String(cString: strerror(errno))) }
    }

    static func appendEntry(_ position: Int, _ line: [UInt8], to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "["))
        buffer += String(position).utf8
        buffer += ", ".utf8
        buffer += line
        buffer += "]\n".utf8
    }

    /// The plan's header, its number of examples, and a reader at its first example.
    func openPlan() throws -> (header: ExecPlanHeader, examples: Int, reader: LineFileReader) {
        let counter = try LineFileReader(path: planPath)
        guard let line = counter.nextLine(), let header = ExecPlanHeader(line) else {
            throw EvalDBError.cannotRead(path: planPath, reason: "not the plan of a run (its first line is no plan header)")
        }
        var examples = 0
        while let chunk = counter.nextChunk() { examples += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
        let reader = try LineFileReader(path: planPath)
        _ = reader.nextLine()
        return (header, examples, reader)
    }

    /// The results finished so far: calls `body` with each position, result line and the line's
    /// offset in the file. A last line cut by a kill is cut off the file.
    func forEachResult(_ body: (Int, ArraySlice<UInt8>, Int) -> Void) throws {
        guard FileManager.default.fileExists(atPath: resultsPath) else { return }
        let reader = try LineFileReader(path: resultsPath)
        var offset = 0
        while let line = reader.nextLine(terminated: true) {
            guard line.last == 0x0A else { break }  // cut by a kill: dropped below
            if let entry = Self.entry(line.dropLast()) { body(entry.position, entry.result, offset) }
            offset += line.count
        }
        if reader.bytesRead > offset { guard truncate(resultsPath, off_t(offset)) == 0 else { return } }
    }

    /// `[POSITION, RESULT]` taken apart; nil when the line is not one.
    static func entry(_ line: ArraySlice<UInt8>) -> (position: Int, result: ArraySlice<UInt8>)? {
        guard line.first == UInt8(ascii: "["), line.last == UInt8(ascii: "]"),
            let comma = line.firstIndex(of: UInt8(ascii: ",")),
            let position = Int(String(decoding: line[(line.startIndex + 1)..<comma], as: UTF8.self)),
            comma + 2 < line.endIndex - 1
        else { return nil }
        return (position, line[(comma + 2)..<(line.endIndex - 1)])
    }

    /// Opens the results file to append to.
    func openResults() throws -> Int32 {
        let descriptor = open(resultsPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: resultsPath, reason: String(cString: strerror(errno))) }
        return descriptor
    }

    /// Writes the results in position order to `orderedPath`, a result a line: the run's file.
    /// Memory holds each position's place in the results file, not the results; each is read with
    /// one `pread` of its own length.
    func writeOrdered(total: Int, name: String) throws {
        var places = [(offset: Int, count: Int)](repeating: (-1, 0), count: total)
        try forEachResult { position, result, offset in
            // `[POSITION, ` precedes the result in its line.
            if position >= 0 && position < total { places[position] = (offset + result.startIndex, result.count) }
        }
        let source = open(resultsPath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw EvalDBError.cannotRead(path: resultsPath, reason: String(cString: strerror(errno))) }
        defer { close(source) }
        let ordered = try BufferedFile(path: orderedPath, synced: false)  // results.jsonl is what a crash keeps
        let missing = places.count(where: { $0.offset < 0 })
        guard missing == 0 else { throw ExecError.partialRunIncomplete(name: name, missing: missing, folder: folder) }
        for place in places {
            var read = 0
            let line = [UInt8](unsafeUninitializedCapacity: place.count + 1) { buffer, initialized in
                while read < place.count {
                    let count = pread(source, buffer.baseAddress! + read, place.count - read, off_t(place.offset + read))
                    guard count > 0 else { break }
                    read += count
                }
                buffer[read] = 0x0A
                initialized = read + 1
            }
            guard read == place.count else { throw EvalDBError.cannotRead(path: resultsPath, reason: "a result line ends early") }
            try ordered.append(line)
        }
        try ordered.finish()
    }

    /// Removes the folder, and the folder of partial runs when it is left empty.
    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
        rmdir((folder as NSString).deletingLastPathComponent)
    }
}

/// The first line of a partial run's plan: what the run is, so that resuming makes the same run.
struct ExecPlanHeader: Equatable {
    var name: String
    /// The dataset hash the run is pinned to.
    var dataset: String
    /// Trials of each example.
    var trials: Int
    /// `ExecOptions.digest`: the command, grader and judge.
    var exec: String
    var grader: String
    /// The selection, as given: conditions (`key=value`, `source^=prefix`), the result filter and
    /// its run, the run reused.
    var conditions: [String]
    var only: String?
    var onlyFrom: String?
    var reuse: String?

    var bytes: [UInt8] {
        var line = ResultLine()
        line.set("evaldb_exec_plan", int: 1)
        line.set("name", string: name)
        line.set("dataset", string: dataset)
        line.set("trials", int: trials)
        line.set("exec", string: exec)
        line.set("grader", string: grader)
        line.set("where", json: ExecOptions.jsonList(conditions))
        line.set("only", json: only.map { ExecValue(text: Array($0.utf8)).canonical } ?? Array("null".utf8))
        line.set("from", json: onlyFrom.map { ExecValue(text: Array($0.utf8)).canonical } ?? Array("null".utf8))
        line.set("reuse", json: reuse.map { ExecValue(text: Array($0.utf8)).canonical } ?? Array("null".utf8))
        return line.bytes
    }

    init(
        name: String, dataset: String, trials: Int, exec: String, grader: String, conditions: [String], only: String?,
        onlyFrom: String?, reuse: String?
    ) {
        self.name = name
        self.dataset = dataset
        self.trials = trials
        self.exec = exec
        self.grader = grader
        self.conditions = conditions
        self.only = only
        self.onlyFrom = onlyFrom
        self.reuse = reuse
    }

    init?(_ line: [UInt8]) {
        guard let tape = try? JSONParser.parse(bytes: line), tape.nodes.first?.kind == .object, tape.member(0, "evaldb_exec_plan") != nil
        else { return nil }
        func text(_ key: String) -> String? {
            tape.member(0, key).flatMap { tape.nodes[$0].kind == .string ? tape.string($0) : nil }
        }
        func int(_ key: String) -> Int? { tape.member(0, key).flatMap { Int(tape.string($0)) } }
        guard let name = text("name"), let dataset = text("dataset"), let trials = int("trials"),
            let exec = text("exec"), let grader = text("grader"), let list = tape.member(0, "where"), tape.nodes[list].kind == .array
        else { return nil }
        self.init(
            name: name, dataset: dataset, trials: trials, exec: exec, grader: grader,
            conditions: tape.elements(list).map { tape.string($0) }, only: text("only"), onlyFrom: text("from"), reuse: text("reuse"))
    }

    /// Throws `ExecError.resumeMismatch` naming the first setting `other` (a new plan made from the
    /// options given now, its dataset aside) has otherwise.
    func check(sameAs other: ExecPlanHeader) throws {
        func differ(_ setting: String, _ a: String, _ b: String) throws {
            guard a.utf8.elementsEqual(b.utf8) else { throw ExecError.resumeMismatch(name: name, setting: setting, was: a, now: b) }
        }
        try differ("the grader", grader, other.grader)
        try differ("the command and judge (their digest)", String(exec.prefix(19)), String(other.exec.prefix(19)))
        try differ("trials", String(trials), String(other.trials))
        try differ("the conditions", conditions.joined(separator: " "), other.conditions.joined(separator: " "))
        try differ("only", only ?? "(all)", other.only ?? "(all)")
        try differ("the run whose results select examples", onlyFrom ?? "(none)", other.onlyFrom ?? "(none)")
        try differ("the run reused", reuse ?? "(none)", other.reuse ?? "(none)")
    }
}

/// A file written through a buffer of about 1 MiB, synced when finished unless `synced` is false.
final class BufferedFile {
    private let descriptor: Int32
    private let path: String
    private let synced: Bool
    private var buffer: [UInt8] = []

    init(path: String, synced: Bool = true) throws {
        self.path = path
        self.synced = synced
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(descriptor) }

    func append(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: path) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and syncs the file.
    func finish() throws {
        try flush()
        guard !synced || fsync(descriptor) == 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }
}
