import Foundation

/// What running one example through the system gave (`CachedSystem`).
public struct SystemResult: Sendable {
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

/// The system behind the notebook loop (`review --exec`) and `serve` started with a command: an
/// example run as `run exec` runs it, its result line cached by graded content and command
/// (`ExecOptions.digest`) in `.evaldb/exec/notebook-HEX.jsonl` beside the database, so that going
/// back, another page or a later session costs nothing. Safe to use from several threads.
public final class CachedSystem: @unchecked Sendable {  // its cache behind `lock`; the rest immutable after init
    let options: ExecOptions
    let setup: ExecSetup
    private let cachePath: String
    private let lock = NSLock()
    /// Result lines by graded digest.
    private var cache: [String: [UInt8]] = [:]
    /// The graded digests of the examples being run now.
    private var running: Set<String> = []

    /// Checks the commands and loads the cache. `ownGroup` false: the commands run in evaldb's
    /// process group, so that Ctrl-C at the terminal stops them too.
    public init(options: ExecOptions, databasePath: String, ownGroup: Bool = true) throws {
        guard let program = options.command.first, ChildProcess.canStart(program) else {
            throw ExecError.cannotStart(options.command.first ?? "")
        }
        if let judge = options.judge, let program = judge.first, !ChildProcess.canStart(program) { throw ExecError.cannotStart(program) }
        if let problem = options.grader.patternProblem { throw ExecError.invalidSetting(problem) }
        self.options = options
        setup = ExecSetup(options, ownGroup: ownGroup)
        let base = (databasePath as NSString).deletingLastPathComponent
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

    /// Whether the example (its canonical record) is being run now.
    public func isRunning(_ record: String) -> Bool {
        guard let graded = Self.graded(record) else { return false }
        return lock.withLock { running.contains(graded) }
    }

    /// Whether the example's (canonical record's) result is in the cache.
    public func isCached(_ record: String) -> Bool {
        guard let graded = Self.graded(record) else { return false }
        return lock.withLock { cache[graded] != nil }
    }

    /// The example's result: from the cache, or — with `run` — by running the system now (nil
    /// when it is not cached and `run` is false, or the record cannot be read).
    public func result(of record: String, run: Bool = true) -> SystemResult? {
        line(of: record, run: run).map { Self.describe($0.line, cached: $0.cached) }
    }

    /// Starts running the example on a thread of its own — unless its output is cached or it runs
    /// already — and hands `finished` its result line and id when the system answers. It counts as
    /// running (`isRunning`) from the moment this returns.
    public func start(_ record: String, finished: @escaping @Sendable (_ line: [UInt8], _ id: String) -> Void) {
        guard let graded = Self.graded(record) else { return }
        guard lock.withLock({ cache[graded] == nil && running.insert(graded).inserted }) else { return }
        Thread.detachNewThread {
            let answer = self.line(of: record, run: true)
            self.lock.withLock { _ = self.running.remove(graded) }
            if let answer { finished(answer.line, answer.id) }
        }
    }

    /// The example's result line (its id the example's), and whether it came from the cache.
    func line(of record: String, run: Bool) -> (line: [UInt8], cached: Bool, id: String)? {
        let bytes = Array(record.utf8)
        guard let fields = ExampleFields(bytes), let graded = Self.graded(record) else { return nil }
        if let known = lock.withLock({ cache[graded] }) { return (Self.withId(known, fields.id), true, fields.id) }
        guard run else { return nil }
        lock.withLock { _ = running.insert(graded) }
        defer { lock.withLock { _ = running.remove(graded) } }
        var item = ExecItem(position: 0, trial: 0, record: bytes)
        guard let answer = setup.answer(&item, fields), let outcome = setup.finish(item, fields, answer) else { return nil }
        var entry = ResultLine()
        entry.set("graded", string: graded)
        entry.set("result", json: outcome.line)
        lock.withLock {
            cache[graded] = outcome.line
            try? FileManager.default.createDirectory(atPath: (cachePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? Store.appendOnce(entry.bytes + [0x0A], to: cachePath)
        }
        return (outcome.line, false, fields.id)
    }

    private static func graded(_ record: String) -> String? {
        var copy = record
        return copy.withUTF8 { GradedContent.digest(ofCanonical: $0) }
    }

    /// A result line with its id set to `id` (a cached output of the same graded content).
    private static func withId(_ line: [UInt8], _ id: String) -> [UInt8] {
        guard let tape = try? JSONParser.parse(bytes: line), tape.nodes.first?.kind == .object else { return line }
        var object = CanonicalObject(tape, 0)
        object["id"] = JSONText.string(id)
        return Array(object.text.utf8)
    }

    static func describe(_ line: [UInt8], cached: Bool) -> SystemResult {
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
        return SystemResult(output: output, pass: pass, error: error, rationale: rationale, latencyMs: latency, cached: cached)
    }
}
