import Crypto

/// One side of a `diff`: a dataset version, or a dataset file as it would be imported.
public enum DiffSide: Sendable {
    case version(DatasetVersion)
    case file(String)

    public var name: String {
        switch self {
        case .version(let version): "version \(version.number)"
        case .file(let path): path
        }
    }
}

/// What differs between two datasets, by id: `diff`.
public struct DatasetDiff: Sendable, Codable {
    public struct Changed: Sendable, Codable {
        public var id: String
        public var changes: [FieldChange]
    }

    public struct Rename: Sendable, Codable {
        public var from: String
        public var to: String
    }

    public var from: String
    public var to: String
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [Changed] = []
    /// Removed and added ids whose records are identical apart from the id (also counted in
    /// `removed` and `added`).
    public var renames: [Rename] = []
    /// The ids both hold appear in another order.
    public var reordered = false
    public var unchanged = 0

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty && !reordered }
}

extension Store {
    /// What differs from `a` to `b`. Ids are compared byte for byte.
    public func diff(_ a: DiffSide, _ b: DiffSide) throws -> DatasetDiff {
        let old = try digests(of: a)
        let new = try digests(of: b)
        var result = DatasetDiff(from: a.name, to: b.name)
        var needed = Set<String>()
        var commonOldOrder: [Int] = []
        for (id, digest) in new.ordered {
            if let previous = old.byId[id] {
                commonOldOrder.append(previous.position)
                if previous.digest == digest { result.unchanged += 1 } else { needed.insert(id) }
            } else {
                result.added.append(id)
                needed.insert(id)
            }
        }
        result.reordered = zip(commonOldOrder, commonOldOrder.dropFirst()).contains { $0 > $1 }
        for (id, _) in old.ordered where new.byId[id] == nil {
            result.removed.append(id)
            needed.insert(id)
        }
        let oldRecords = try records(of: a, ids: needed)
        let newRecords = try records(of: b, ids: needed)
        for (id, _) in new.ordered where needed.contains(id) && old.byId[id] != nil {
            let changes = FieldChange.between(oldRecords[id].map(RecordFields.init(record:)),
                                              newRecords[id].map(RecordFields.init(record:)))
            result.changed.append(.init(id: id, changes: changes))
        }
        var addedByContent: [[UInt8]: [String]] = [:]
        for id in result.added {
            if let record = newRecords[id] { addedByContent[Self.contentWithoutId(record), default: []].append(id) }
        }
        for id in result.removed {
            guard let record = oldRecords[id], var candidates = addedByContent[Self.contentWithoutId(record)],
                  !candidates.isEmpty else { continue }
            result.renames.append(.init(from: id, to: candidates.removeFirst()))
            addedByContent[Self.contentWithoutId(record)] = candidates
        }
        return result
    }

    private struct SideDigests {
        var ordered: [(id: String, digest: [UInt8])] = []
        var byId: [String: (digest: [UInt8], position: Int)] = [:]
    }

    /// Each record's id and SHA-256, in line order.
    private func digests(of side: DiffSide) throws -> SideDigests {
        var result = SideDigests()
        try forEachRecord(of: side) { id, record in
            let digest = Array(SHA256.hash(data: Array(record.utf8)))
            result.byId[id] = (digest, result.ordered.count)
            result.ordered.append((id, digest))
        }
        return result
    }

    /// The canonical records of the ids in `ids`.
    private func records(of side: DiffSide, ids: Set<String>) throws -> [String: String] {
        var result: [String: String] = [:]
        guard !ids.isEmpty else { return result }
        try forEachRecord(of: side) { id, record in
            if ids.contains(id) { result[id] = record }
        }
        return result
    }

    private func forEachRecord(of side: DiffSide, _ body: (String, String) throws -> Void) throws {
        switch side {
        case .version(let version):
            var pending: [UInt8] = []
            func emit(_ line: ArraySlice<UInt8>) throws {
                let record = String(decoding: line, as: UTF8.self)
                let tape = try? JSONParser.parse(record)
                let id = tape.flatMap { $0.member(0, "id") }.map { tape!.string($0) } ?? ""
                try body(id, record)
            }
            try export(version) { chunk in
                pending.append(contentsOf: chunk)
                var start = pending.startIndex
                while let newline = pending[start...].firstIndex(of: 0x0A) {
                    try emit(pending[start..<newline])
                    start = newline + 1
                }
                pending.removeSubrange(..<start)
            }
        case .file(let path):
            let reader = try DatasetReader(path: path)
            var failure: EvalDBError?
            try reader.read { record, _ in
                try body(record.idString, String(decoding: record.canonical, as: UTF8.self))
            }
            if reader.hasErrors { failure = .invalidData(errors: reader.problems, truncated: reader.stoppedEarly) }
            if let failure { throw failure }
        }
    }

    /// A record's canonical JSON without its `id`, to spot renames.
    static func contentWithoutId(_ record: String) -> [UInt8] {
        guard let tape = try? JSONParser.parse(record) else { return Array(record.utf8) }
        var bytes: [UInt8] = []
        CanonicalJSON.write(tape, object: 0, excluding: "id", to: &bytes)
        return bytes
    }
}
