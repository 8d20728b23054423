import Crypto
import Foundation

/// The recipe's notebook loop (`review --exec`): each example shown is run through the system as
/// it is shown and graded; the outputs shown, and the reviewer's verdicts on them, become a run of
/// their own when the session ends (docs/run.md, "The notebook loop").
///
/// Outputs are cached by graded content and command (`ExecOptions.digest`) in a file beside the
/// database, `.evaldb/exec/notebook-HEX.jsonl`, so that going back, or a later session on the same
/// examples, costs nothing. The commands run in evaldb's own process group: Ctrl-C at the terminal
/// stops them with the review.
public final class Notebook {
    private let store: Store
    private let options: ExecOptions
    private let setup: ExecSetup
    private let version: DatasetVersion
    private let cachePath: String
    /// Result lines by graded digest.
    private var cache: [String: [UInt8]] = [:]
    /// The results shown, in the order first shown, by example id.
    private var shown: [(id: String, line: [UInt8])] = []
    private var shownIndex: [ExactString: Int] = [:]
    private var verdicts: [(id: String, pass: Bool)] = []

    /// What one example gave.
    public struct Result: Sendable {
        /// The output, canonical JSON (nil when the command gave none: it could not start, timed out).
        public var output: String?
        /// Graded pass or fail; nil for an error.
        public var pass: Bool?
        /// `kind: message` for an error.
        public var error: String?
        /// Why it failed, as the grader or judge said.
        public var rationale: String?
        public var latencyMs: Int
        /// Taken from the cache, not run now.
        public var cached: Bool
    }

    /// A notebook for the current version; `options.name` names the run it records.
    public init(store: Store, options: ExecOptions) throws {
        guard let program = options.command.first, ChildProcess.canStart(program) else {
            throw ExecError.cannotStart(options.command.first ?? "")
        }
        if let judge = options.judge, let program = judge.first, !ChildProcess.canStart(program) { throw ExecError.cannotStart(program) }
        if let problem = options.grader.patternProblem { throw ExecError.invalidSetting(problem) }
        guard let version = try store.currentVersion() else { throw EvalDBError.emptyDatabase }
        self.store = store
        self.options = options
        self.version = version
        setup = ExecSetup(options)
        setup.ownGroup = false
        let base = (store.path as NSString).deletingLastPathComponent
        cachePath = (base.isEmpty ? "." : base) + "/exec/notebook-" + options.digest.dropFirst("sha256:".count).prefix(16) + ".jsonl"
        if let reader = try? LineFileReader(path: cachePath) {
            while let line = reader.nextLine() {
                guard let tape = try? JSONParser.parse(bytes: line), tape.nodes.first?.kind == .object, let graded = tape.member(0, "graded"),
                    let result = tape.member(0, "result")
                else { continue }
                cache[tape.string(graded)] = ExecValue(tape, result).canonical
            }
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// Whether the example's output is in the cache (showing it runs nothing).
    public func isCached(_ record: String) -> Bool {
        var bytes = Array(record.utf8)
        guard let graded = bytes.withUnsafeBufferPointer({ GradedContent.digest(ofCanonical: $0) }) else { return false }
        return cache[graded] != nil
    }

    /// The run the session's outputs become.
    public var runName: String { options.name }

    /// Runs the example (its canonical record) through the system, or takes its output from the
    /// cache; nil when the record cannot be read.
    public func result(of record: String) -> Result? {
        var bytes = Array(record.utf8)
        guard let fields = ExampleFields(bytes), let graded = bytes.withUnsafeBufferPointer({ GradedContent.digest(ofCanonical: $0) }) else {
            return nil
        }
        var cached = true
        var line: [UInt8]
        if let known = cache[graded] {
            line = Self.withId(known, fields.id)
        } else {
            cached = false
            var item = ExecItem(position: 0, trial: 0, record: bytes)
            guard let answer = setup.answer(&item, fields), let outcome = setup.finish(item, fields, answer) else { return nil }
            line = outcome.line
            cache[graded] = line
            var entry = ResultLine()
            entry.set("graded", string: graded)
            entry.set("result", json: line)
            try? FileManager.default.createDirectory(atPath: (cachePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? Store.appendOnce(entry.bytes + [0x0A], to: cachePath)
        }
        bytes = line
        if let index = shownIndex[ExactString(fields.id)] {
            shown[index].line = bytes
        } else {
            shownIndex[ExactString(fields.id)] = shown.count
            shown.append((fields.id, bytes))
        }
        return Self.describe(bytes, cached: cached)
    }

    /// The reviewer's verdict on the output shown for `id` (the latest of several counts).
    public func setVerdict(_ id: String, pass: Bool) {
        verdicts.append((id, pass))
    }

    /// Records the outputs shown as the run `options.name`, pinned to the version the session
    /// started on, and the verdicts as `reviewer`'s on its results. Nil when nothing was shown.
    public func finish(reviewer: String) throws -> (run: RecordedRun, verdicts: Int)? {
        guard !shown.isEmpty else { return nil }
        let path = (cachePath as NSString).deletingLastPathComponent + "/notebook-run-\(getpid()).jsonl"
        let file = try BufferedFile(path: path)
        for entry in shown { try file.append(entry.line + [0x0A]) }
        try file.finish()
        defer { unlink(path) }
        var runOptions = RunOptions(
            name: options.name, meta: [("exec", options.digest), ("grader", setup.grader.spec)] + options.meta, gitCommit: options.gitCommit,
            author: reviewer)
        runOptions.keepsSourcePath = false
        let recorded = try store.recordRun(path, against: version, options: runOptions)
        var given = 0
        try store.database.writeTransaction {
            let at = isoNow()
            for verdict in verdicts {
                guard shownIndex[ExactString(verdict.id)] != nil,
                    let key = try store.database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(verdict.id)])
                else { continue }
                try store.setVerdict(run: recorded.run, key: key, id: verdict.id, trial: 0, pass: verdict.pass, reviewer: reviewer, at: at)
                given += 1
            }
        }
        return (recorded, given)
    }

    /// A result line with its id set to `id` (a cached output of the same graded content).
    private static func withId(_ line: [UInt8], _ id: String) -> [UInt8] {
        guard let tape = try? JSONParser.parse(bytes: line), tape.nodes.first?.kind == .object else { return line }
        var object = CanonicalObject(tape, 0)
        object["id"] = JSONText.string(id)
        return Array(object.text.utf8)
    }

    private static func describe(_ line: [UInt8], cached: Bool) -> Result {
        let tape = (try? JSONParser.parse(bytes: line)) ?? JSONTape()
        func member(_ key: String) -> Int? { tape.nodes.isEmpty ? nil : tape.member(0, key) }
        let output = member("output").map { String(decoding: ExecValue(tape, $0).canonical, as: UTF8.self) }
        var error: String?
        if let node = member("error"), tape.nodes[node].kind == .object {
            let kind = tape.member(node, "kind").map { tape.string($0) } ?? "error"
            error = kind + ": " + (tape.member(node, "message").map { tape.string($0) } ?? "")
        }
        let pass = error == nil ? member("pass").map { tape.nodes[$0].kind == .true } : nil
        let rationale = member("rationale").map {
            tape.nodes[$0].kind == .string ? tape.string($0) : String(decoding: ExecValue(tape, $0).canonical, as: UTF8.self)
        }
        let latency = member("latency_ms").flatMap { Int(tape.string($0)) } ?? 0
        return Result(output: output, pass: pass, error: error, rationale: rationale, latencyMs: latency, cached: cached)
    }
}
