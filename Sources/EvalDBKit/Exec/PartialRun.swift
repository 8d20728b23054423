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

    /// Starts the run: the plan, whose examples `writeRecords` writes through the function it is
    /// given and which returns the reused results; they are written first, then the plan is renamed
    /// into place.
    func create(header: ExecPlanHeader, writeRecords: (([UInt8]) throws -> Void) throws -> [(position: Int, line: [UInt8])]) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw EvalDBError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        let temporary = planPath + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: temporary, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var buffer = header.bytes
        buffer.append(0x0A)
        let reused = try writeRecords { record in
            buffer += record
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: temporary) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: temporary) }
        var results: [UInt8] = []
        for entry in reused { Self.appendEntry(entry.position, entry.line, to: &results) }
        try Self.write(results, to: resultsPath)
        guard fsync(descriptor) == 0, rename(temporary, planPath) == 0 else {
            throw EvalDBError.cannotWrite(path: planPath, reason: String(cString: strerror(errno)))
        }
    }

    static func appendEntry(_ position: Int, _ line: [UInt8], to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "["))
        buffer += String(position).utf8
        buffer += ", ".utf8
        buffer += line
        buffer += "]\n".utf8
    }

    private static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        try bytes.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: path) }
        guard fsync(descriptor) == 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    /// The plan's header, its number of examples, and a reader at its first example.
    func openPlan() throws -> (header: ExecPlanHeader, examples: Int, reader: LineFileReader) {
        let counter = try LineFileReader(path: planPath)
        guard let line = counter.nextLine(), let header = ExecPlanHeader(line) else {
            throw EvalDBError.cannotRead(path: planPath, reason: "not the plan of a run (its first line is no plan header)")
        }
        var examples = 0
        while counter.nextLine() != nil { examples += 1 }
        let reader = try LineFileReader(path: planPath)
        _ = reader.nextLine()
        return (header, examples, reader)
    }

    /// The results finished so far: calls `body` with each position and result line. A last line
    /// cut by a kill is cut off the file.
    func forEachResult(_ body: (Int, ArraySlice<UInt8>) -> Void) throws {
        guard let data = FileManager.default.contents(atPath: resultsPath) else { return }
        let bytes = [UInt8](data)
        var start = 0
        var complete = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            let line = bytes[start..<newline]
            if let entry = Self.entry(line) { body(entry.position, entry.result) }
            start = newline + 1
            complete = start
        }
        if complete < bytes.count { guard truncate(resultsPath, off_t(complete)) == 0 else { return } }
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
    func writeOrdered(total: Int) throws {
        guard let data = FileManager.default.contents(atPath: resultsPath) else {
            throw EvalDBError.cannotRead(path: resultsPath, reason: "missing")
        }
        let bytes = [UInt8](data)
        var ranges = [Range<Int>?](repeating: nil, count: total)
        var start = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            if let entry = Self.entry(bytes[start..<newline]), entry.position >= 0, entry.position < total {
                ranges[entry.position] = entry.result.startIndex..<entry.result.endIndex
            }
            start = newline + 1
        }
        let descriptor = open(orderedPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: orderedPath, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var buffer: [UInt8] = []
        for range in ranges {
            guard let range else { throw EvalDBError.storageInvariant("a result of the run is missing from \(resultsPath)") }
            buffer += bytes[range]
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: orderedPath) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: orderedPath) }
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
