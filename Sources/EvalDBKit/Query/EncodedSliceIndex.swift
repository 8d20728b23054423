/// A slice index as built or brought up to date: each key in its stored form, to be saved as it
/// is and decoded only where a query reads it.
struct EncodedSliceIndex {
    var version: Int
    /// The live examples, in their stored form (about a byte an example, not four).
    var live: PostingsBuffer
    var rows: SliceIndexRows

    /// The index with the keys in `needed` decoded (nil: every key).
    func index(loading needed: Set<ExactString>?) throws -> SliceIndex {
        var index = SliceIndex(version: version, live: live.decoded(), keys: [:], indexedKeys: [])
        for number in rows.names.indices {
            let name = rows.names[number]
            index.indexedKeys.insert(name)
            if rows.size(number) == 0 {
                index.wideKeys.insert(name)
            } else if needed?.contains(name) ?? true {
                index.keys[name] = try rows.row(number).withUnsafeBytes { try SliceIndexCoding.decode($0) }
            }
        }
        return index
    }
}

/// The keys' rows of an index as built or brought up to date (`SliceIndexCoding`), in order:
/// kept in memory up to `memoryLimit` bytes, the rest in a temporary file (`ScratchFile`) and
/// read back a row at a time. Ten million examples make about 100 MB of rows; saving them, or
/// reading the two a query asks about, then holds one or two, not all of them.
struct SliceIndexRows {
    private enum Place {
        case memory([UInt8])
        case file(offset: Int, count: Int)
    }

    private(set) var names: [ExactString] = []
    private var places: [Place] = []
    private var inMemory = 0
    private var file: ScratchFile?
    private let memoryLimit: Int

    /// The bytes of rows kept in memory, by default.
    static let defaultMemoryLimit = 8 << 20

    init(memoryLimit: Int = Self.defaultMemoryLimit) { self.memoryLimit = memoryLimit }

    mutating func append(_ name: ExactString, _ row: [UInt8]) throws(EvalDBError) {
        names.append(name)
        if inMemory + row.count <= memoryLimit {
            inMemory += row.count
            places.append(.memory(row))
        } else {
            if file == nil { file = ScratchFile(of: "slice index rows") }
            places.append(.file(offset: try file!.append(contentsOf: row), count: row.count))
        }
    }

    /// The row of the key numbered `number` (its place in `names`).
    func row(_ number: Int) throws(EvalDBError) -> [UInt8] {
        switch places[number] {
        case .memory(let row): return row
        case .file(let offset, let count): return try file!.read(at: offset, count: count)
        }
    }

    /// The bytes of the row of the key numbered `number`.
    func size(_ number: Int) -> Int {
        switch places[number] {
        case .memory(let row): row.count
        case .file(_, let count): count
        }
    }

    /// The row of the key numbered `number` `partSize` bytes at a time (a megabyte), each part
    /// with where it starts.
    func forEachPart(_ number: Int, partSize: Int = 1 << 20, _ body: (_ part: UnsafeRawBufferPointer, _ offset: Int) throws -> Void) throws {
        switch places[number] {
        case .memory(let row):
            try row.withUnsafeBytes { bytes in
                for offset in stride(from: 0, to: bytes.count, by: partSize) {
                    try body(UnsafeRawBufferPointer(rebasing: bytes[offset..<min(offset + partSize, bytes.count)]), offset)
                }
            }
        case .file(let start, let count):
            var offset = 0
            while offset < count {
                let part = try file!.read(at: start + offset, count: min(partSize, count - offset))
                try part.withUnsafeBytes { try body($0, offset) }
                offset += part.count
            }
        }
    }

    /// The row of `name`; nil when no example has the key.
    func row(named name: ExactString) throws(EvalDBError) -> [UInt8]? {
        guard let number = names.firstIndex(of: name) else { return nil }
        return try row(number)
    }
}
