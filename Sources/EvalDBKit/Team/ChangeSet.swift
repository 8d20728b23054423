import Crypto
import Foundation

/// A version's change set in the team log: what makes every version any clone made recoverable
/// from git alone, committed or not (docs/teams.md). One file a version, written once, in
/// `evals/log/versions/<hash>-<event>.jsonl`:
///
///     {"at": ..., "base": "sha256:…" | null, "blob": …, "by": …, "counts": {…}, "event": "version",
///      "hash": "sha256:…", "message": …, "parents": ["sha256:…"], "path": …}
///     {"put": {record}}                one a record added or changed against `base`
///     {"remove": "id"}                 one an id removed
///     {"order": ["id", …]}             the ids in line order, when not the rule below
///     {"check": {"lines": N, "sha256": HEX}}   the count and SHA-256 of the lines above, after the record
///
/// Applied to `base`'s lines it gives `hash`'s: each put of an id `base` holds in its place, each
/// removed id left out, each put of another id appended in the file's order — or the `order`
/// given. `sync` applies it when no commit holds `hash` (or to place a commit without reading its
/// file). A change set whose check line matches is as its maker wrote it, and its version is
/// its hash by construction; any other is applied only when the dataset it gives hashes to
/// `hash`: a hand-edited change set is refused, never a silent fork (`evaldb verify` re-derives
/// every version's hash). A version made from a commit (`commit` in its header) has no body: git
/// holds it.
struct ChangeSet {
    var header: LogEvent
    var puts: [String] = []
    var removals: [String] = []
    var order: [String]?
    /// The file ends with a check line whose count and SHA-256 of the lines between the header and
    /// it match (`{"check": {"lines": N, "sha256": HEX}}`): the change set is as its maker wrote
    /// it, and applied to its base it gives its hash without the whole dataset being read back.
    var isIntact = false

    var hash: String { header.string("hash") ?? "" }
    /// The version the change applies to; nil for a first version.
    var base: String? { header.string("base") }

    /// The first 12 hex digits of a dataset hash, for file names.
    static func shortHash(_ hash: String) -> String { String(hash.dropFirst("sha256:".count).prefix(12)) }

    /// Writes the dataset a first version's change set holds (no base, only puts: its records in
    /// their order) to `scratch`, one record a line, and returns the hex SHA-256 of what it wrote;
    /// nil when the file is not such a change set (a base, a removal, an order, a line that is not
    /// a put). The caller compares the digest with the version's hash before it trusts the file.
    static func writeFirstVersion(_ path: String, to scratch: String) throws -> String? {
        let output = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard output >= 0 else { throw EvalDBError.cannotWrite(path: scratch, reason: String(cString: strerror(errno))) }
        defer { close(output) }
        let putPrefix = Array(#"{"put": "#.utf8)
        let checkPrefix = Array(#"{"check": "#.utf8)
        var hasher = SHA256()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var isFirstVersion = true
        func flush() throws {
            try buffer.withUnsafeBufferPointer { try writeAll(output, $0, path: scratch) }
            hasher.update(data: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        try LineReader(path: path).forEachLine { number, line in
            guard isFirstVersion, !line.isEmpty else { return }
            if number == 1 {
                let header = LogEvent(line: String(decoding: line, as: UTF8.self))
                isFirstVersion = header?.kind == "version" && header?.string("base") == nil
            } else if line.count > putPrefix.count + 1, line.starts(with: putPrefix), line.last == UInt8(ascii: "}") {
                buffer.append(contentsOf: line[putPrefix.count..<(line.count - 1)])
                buffer.append(0x0A)
                if buffer.count >= 1 << 20 { try flush() }
            } else if !line.starts(with: checkPrefix) {
                isFirstVersion = false
            }
        }
        guard isFirstVersion else { return nil }
        try flush()
        return hasher.finalize().hexString
    }

    /// Reads the change set file at `path` (`shown` in messages). Throws `invalidData` naming the
    /// line of anything that is not a change. A put is taken as its text (`Store.commit` checks it).
    static func read(_ path: String, shown: String) throws -> ChangeSet {
        var result: ChangeSet?
        var problems: [DataError] = []
        var digest = SHA256()
        var bodyLines = 0
        var check: (lines: Int, sha256: String)?
        let putPrefix = Array(#"{"put": "#.utf8)
        try LineReader(path: path).forEachLine { number, line in
            func problem(_ message: String) { problems.append(DataError(file: shown, line: number, column: 1, message: message)) }
            guard !line.isEmpty else { return }
            if result == nil {
                guard let header = LogEvent(line: String(decoding: line, as: UTF8.self)), header.kind == "version" else {
                    return problem("the first line of a version's file is its `version` event")
                }
                result = ChangeSet(header: header)
                return
            }
            if line.count > putPrefix.count + 1, line.starts(with: putPrefix), line.last == UInt8(ascii: "}") {
                result!.puts.append(String(decoding: line[putPrefix.count..<(line.count - 1)], as: UTF8.self))
            } else {
                guard let tape = try? JSONParser.parse(bytes: Array(line)), tape.nodes.first?.kind == .object else {
                    return problem("a change is {\"put\": RECORD}, {\"remove\": ID} or {\"order\": [IDS]}")
                }
                if let node = tape.member(0, "check"), let lines = tape.member(node, "lines"), let sha = tape.member(node, "sha256") {
                    check = (Int(tape.string(lines)) ?? -1, tape.string(sha))
                    return
                } else if let node = tape.member(0, "put") {
                    var bytes: [UInt8] = []
                    CanonicalJSON.write(tape, node, to: &bytes)
                    result!.puts.append(String(decoding: bytes, as: UTF8.self))
                } else if let node = tape.member(0, "remove"), tape.nodes[node].kind == .string {
                    result!.removals.append(tape.string(node))
                } else if let node = tape.member(0, "order"), tape.nodes[node].kind == .array {
                    result!.order = tape.elements(node).compactMap { tape.nodes[$0].kind == .string ? tape.string($0) : nil }
                } else {
                    return problem("a change is {\"put\": RECORD}, {\"remove\": ID} or {\"order\": [IDS]}")
                }
            }
            check = nil  // a check line counts only as the last line
            digest.update(bufferPointer: UnsafeRawBufferPointer(line))
            digest.update(data: [0x0A])
            bodyLines += 1
        }
        if !problems.isEmpty { throw EvalDBError.invalidData(errors: problems, truncated: false) }
        guard var result else {
            throw EvalDBError.invalidData(errors: [DataError(file: shown, line: 1, column: 1, message: "the file is empty")], truncated: false)
        }
        if let check, check.lines == bodyLines, check.sha256 == digest.finalize().hexString { result.isIntact = true }
        return result
    }

    /// The change against the current version when it is `base`.
    func change(source: String) -> VersionChange {
        var change = VersionChange(author: header.string("by") ?? "unknown", message: header.string("message"))
        change.puts = puts
        change.removals = removals
        change.order = order
        change.date = header.at
        change.path = header.string("path")
        change.parents = header.json("parents").map(HashList.decode)
        change.source = source
        change.expectedHash = hash
        change.trustsExpectedHash = isIntact
        change.logs = false
        return change
    }

    /// The lines of the version: the change applied to `base`'s lines (canonical records in line
    /// order, each with its id's canonical JSON bytes).
    func lines(applyingTo base: [DatasetMerge.Record]) -> [String] {
        var putById: [[UInt8]: String] = [:]
        var putOrder: [[UInt8]] = []
        for put in puts {
            let id = DatasetMerge.idKey(of: put)
            if putById.updateValue(put, forKey: id) == nil { putOrder.append(id) }
        }
        let removed = Set(removals.map { Array(JSONText.string($0).utf8) })
        var lines: [String] = []
        var held = Set<[UInt8]>()
        for (id, record) in base where !removed.contains(id) {
            held.insert(id)
            lines.append(putById[id] ?? record)
        }
        for id in putOrder where !held.contains(id) { lines.append(putById[id]!) }
        guard let order else { return lines }
        var byId: [[UInt8]: String] = [:]
        for line in lines { byId[DatasetMerge.idKey(of: line)] = line }
        return order.compactMap { byId[Array(JSONText.string($0).utf8)] }
    }
}

extension Store {
    /// Writes the change set of version row `row` from the row before it (`header` first): every
    /// revision of the row in the order written, and the line order when the rule of `ChangeSet`
    /// would not give it.
    func writeChangeSet(header: String, row: Int, to descriptor: Int32) throws {
        var buffer: [UInt8] = []
        var digest = SHA256()
        var lines = 0
        try Array(header.utf8).withUnsafeBufferPointer { try writeAll(descriptor, $0, path: "change set") }
        func flush() throws {
            digest.update(data: buffer)
            lines += buffer.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: "change set") }
            buffer.removeAll(keepingCapacity: true)
        }
        let rows = try database.prepare(
            "SELECT r.kind, r.record, e.id FROM stored_revisions r JOIN stored_examples e ON e.key = r.example WHERE r.version = ? ORDER BY r.rev")
        try rows.bind([.int(Int64(row))])
        while try rows.step() {
            if rows.text(0) == RevisionKind.removed.rawValue {
                buffer += Array("{\"remove\": \(JSONText.string(rows.text(2)))}\n".utf8)
            } else {
                buffer += Array("{\"put\": ".utf8)
                buffer.append(contentsOf: rows.bytes(1).bindMemory(to: UInt8.self))
                buffer += Array("}\n".utf8)
            }
            if buffer.count >= 1 << 20 { try flush() }
        }
        rows.reset()
        if try needsExplicitOrder(row: row), let version = try storedRows().first(where: { $0.row == row }) {
            buffer += Array("{\"order\": [".utf8)
            var first = true
            let idKey = Array(#""id""#.utf8)
            try forEachRecord(of: version) { line in
                if !first { buffer += Array(", ".utf8) }
                first = false
                if let id = CanonicalMembers.value(of: idKey, in: line) { buffer.append(contentsOf: id) }
            }
            buffer += Array("]}\n".utf8)
        }
        try flush()
        let check = "{\"check\": {\"lines\": \(lines), \"sha256\": \"\(digest.finalize().hexString)\"}}\n"
        try Array(check.utf8).withUnsafeBufferPointer { try writeAll(descriptor, $0, path: "change set") }
    }

    /// Whether row `row`'s line order differs from its changes applied to the row before (by the
    /// rule of `ChangeSet`): when either has a recorded line order, or an example came back.
    private func needsExplicitOrder(row: Int) throws -> Bool {
        let orders = try database.scalarInt(
            "SELECT count(*) FROM stored_versions WHERE number IN (?, ?) AND line_order IS NOT NULL", [.int(Int64(row)), .int(Int64(row - 1))])
        if orders ?? 0 > 0 { return true }
        let cameBack = try database.scalarInt(
            """
            SELECT count(*) FROM stored_revisions r WHERE r.version = ? AND r.kind IN ('added', 'restored')
              AND EXISTS (SELECT 1 FROM stored_revisions p WHERE p.example = r.example AND p.rev < r.rev)
            """, [.int(Int64(row))])
        return cameBack ?? 0 > 0
    }
}
