import Foundation

/// A notebook session's journal (`Notebook`): `.evaldb/exec/notebook-session-PID-N.jsonl` beside
/// the database, a header line then one line an output shown or a verdict given, appended as they
/// happen — what the run would be made of, should the process die before the session ends.
///
///     {"notebook": {"git_commit": …, "meta": [["exec", "sha256:…"], …], "reviewer": "ana", "run": "notebook-ana-…", "version": "sha256:…"}}
///     {"shown": {"id": "ex-001", "output": …, "pass": true, …}}
///     {"verdict": {"id": "ex-001", "pass": false}}
///
/// Local to the machine, like the output cache: the run it becomes is what the team shares.
final class NotebookJournal {
    struct Header {
        var run: String
        var reviewer: String
        /// The dataset version's hash.
        var version: String
        var gitCommit: String?
        var meta: [(key: String, value: String)]
    }

    /// What a journal holds: the outputs shown (the latest of each example, in the order first
    /// shown) and the verdicts given.
    struct Contents {
        var header = Header(run: "", reviewer: "", version: "", gitCommit: nil, meta: [])
        private(set) var shown: [(id: String, line: [UInt8])] = []
        private var index: [ExactString: Int] = [:]
        var verdicts: [(id: String, pass: Bool)] = []

        mutating func show(_ id: String, _ line: [UInt8]) {
            if let at = index[ExactString(id)] {
                shown[at].line = line
            } else {
                index[ExactString(id)] = shown.count
                shown.append((id, line))
            }
        }

        func line(of id: String) -> [UInt8]? { index[ExactString(id)].map { shown[$0].line } }
    }

    private static let prefix = "notebook-session-"
    nonisolated(unsafe) private static var opened = 0
    private static let openedLock = NSLock()

    let path: String
    private var descriptor: Int32

    /// Makes the journal and writes its header.
    init(databasePath: String, header: Header) throws {
        let folder = Self.folder(databasePath)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let number = Self.openedLock.withLock {
            Self.opened += 1
            return Self.opened
        }
        path = folder + "/" + Self.prefix + "\(getpid())-\(number).jsonl"
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var fields = ResultLine()
        fields.set("run", string: header.run)
        fields.set("reviewer", string: header.reviewer)
        fields.set("version", string: header.version)
        fields.set("git_commit", json: Array((header.gitCommit.map(JSONText.string) ?? "null").utf8))
        fields.set(
            "meta",
            json: Array(("[" + header.meta.map { "[\(JSONText.string($0.key)), \(JSONText.string($0.value))]" }.joined(separator: ", ") + "]").utf8))
        var line = ResultLine()
        line.set("notebook", object: fields)
        append(line.bytes)
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Appends one line (best effort: a journal that cannot be written leaves the session working,
    /// only not safe from a crash).
    func append(_ line: [UInt8]) {
        guard descriptor >= 0 else { return }
        (line + [0x0A]).withUnsafeBytes { _ = write(descriptor, $0.baseAddress, $0.count) }
    }

    /// The session ended and its run is recorded: the journal goes.
    func remove() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(path)
    }

    static func shown(_ result: [UInt8]) -> [UInt8] {
        var line = ResultLine()
        line.set("shown", json: result)
        return line.bytes
    }

    static func verdict(_ id: String, pass: Bool) -> [UInt8] {
        var verdict = ResultLine()
        verdict.set("id", string: id)
        verdict.set("pass", bool: pass)
        var line = ResultLine()
        line.set("verdict", object: verdict)
        return line.bytes
    }

    private static func folder(_ databasePath: String) -> String {
        let base = (databasePath as NSString).deletingLastPathComponent
        return (base.isEmpty ? "." : base) + "/exec"
    }

    /// The journals of sessions whose process is gone, oldest first.
    static func abandoned(databasePath: String) -> [String] {
        let folder = folder(databasePath)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { name in
            guard name.hasPrefix(prefix) && name.hasSuffix(".jsonl") else { return false }
            let parts = name.dropFirst(prefix.count).dropLast(".jsonl".count).split(separator: "-")
            guard parts.count == 2, let pid = Int64(parts[0]), Int(parts[1]) != nil else { return false }
            return pid != Int64(getpid()) && !ReviewSession.processIsRunning(pid)
        }.sorted().map { folder + "/" + $0 }
    }

    /// A journal's contents; nil when it has no readable header. A line cut short by the crash is
    /// left out.
    static func read(_ path: String) -> Contents? {
        guard let reader = try? LineFileReader(path: path) else { return nil }
        var contents = Contents()
        var hasHeader = false
        while let line = reader.nextLine() {
            guard let tape = try? JSONParser.parse(bytes: line), tape.nodes.first?.kind == .object else { continue }
            if let header = tape.member(0, "notebook"), tape.nodes[header].kind == .object {
                func text(_ key: String) -> String? {
                    tape.member(header, key).flatMap { tape.nodes[$0].kind == .string ? tape.string($0) : nil }
                }
                guard let run = text("run"), let reviewer = text("reviewer"), let version = text("version") else { return nil }
                var meta: [(String, String)] = []
                if let list = tape.member(header, "meta"), tape.nodes[list].kind == .array {
                    for pair in tape.elements(list) where tape.nodes[pair].kind == .array {
                        let items = tape.elements(pair)
                        if items.count == 2 { meta.append((tape.string(items[0]), tape.string(items[1]))) }
                    }
                }
                contents.header = Header(run: run, reviewer: reviewer, version: version, gitCommit: text("git_commit"), meta: meta)
                hasHeader = true
            } else if let shown = tape.member(0, "shown"), tape.nodes[shown].kind == .object, let id = tape.member(shown, "id") {
                contents.show(tape.string(id), ExecValue(tape, shown).canonical)
            } else if let verdict = tape.member(0, "verdict"), tape.nodes[verdict].kind == .object, let id = tape.member(verdict, "id"),
                let pass = tape.member(verdict, "pass")
            {
                contents.verdicts.append((tape.string(id), tape.nodes[pass].kind == .true))
            }
        }
        return hasHeader ? contents : nil
    }
}
