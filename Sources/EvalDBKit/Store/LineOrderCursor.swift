/// A version's recorded line order (`LineOrder`: its keys in line order, 8 bytes each) read a
/// chunk of keys at a time from where it is stored (`IncrementalBlob`), not decoded whole.
struct LineOrderCursor {
    static let defaultChunkKeys = 8192

    private let blob: IncrementalBlob
    private var chunk: [Int64]
    private var index = 0
    private var loaded = 0
    private var offset = 0

    /// The line order of version `version`; nil when it has none (its keys ascend).
    init?(_ database: Database, version: Int, chunkKeys: Int = defaultChunkKeys) throws {
        let recorded = try database.cachedStatement("SELECT line_order IS NOT NULL FROM stored_versions WHERE number = ?")
        try recorded.bind([.int(Int64(version))])
        guard try recorded.step() else { throw EvalDBError.noSuchVersion(String(version)) }
        guard recorded.int(0) != 0 else { return nil }
        blob = try IncrementalBlob(database, table: "stored_versions", column: "line_order", row: Int64(version))
        chunk = Array(repeating: 0, count: max(chunkKeys, 1))
    }

    /// The next key in line order; nil after the last.
    mutating func next() throws -> Int64? {
        if index == loaded {
            let keys = min(chunk.count, (blob.count - offset) / 8)
            guard keys > 0 else { return nil }
            try chunk.withUnsafeMutableBytes { try blob.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<keys * 8]), at: offset) }
            offset += keys * 8
            (index, loaded) = (0, keys)
        }
        defer { index += 1 }
        return Int64(littleEndian: chunk[index])
    }
}
