import Foundation

extension Store {
    /// The slice index of the current version, with the keys in `needed` loaded (nil: every key);
    /// nil in an empty database (`readingCurrentSliceIndex`).
    func currentSliceIndex(loading needed: Set<ExactString>?) throws -> SliceIndex? {
        sliceIndexDecodes += 1
        return try readingCurrentSliceIndex(
            inMemory: { try $0.index(loading: needed) },
            stored: { _ in
                guard let index = try loadSliceIndex(loading: needed) else { throw SliceIndexCoding.DamagedIndex() }
                return index
            })
    }

    /// Reads the slice index of the current version, brought up to date first
    /// (`bringSliceIndexUpToDate`): `inMemory` reads the index just made or waiting to be saved,
    /// `stored` (given the current version) the stored one, in the same read transaction. A stored
    /// index that does not read (damaged), or that an import made stale meanwhile, is built again,
    /// kept, and read in memory. Nil in an empty database.
    private func readingCurrentSliceIndex<T>(
        inMemory: (EncodedSliceIndex) throws -> T, stored: (_ version: Int) throws -> T
    ) throws -> T? {
        let made = try bringSliceIndexUpToDate()
        // `.some(nil)`: an empty database; nil: the stored index is damaged or behind.
        let found = try database.readTransaction { () -> T?? in
            guard let current = try currentVersion() else { return .some(nil) }
            if let index = made ?? sliceIndexToSave, index.version == current.row { return .some(try inMemory(index)) }
            guard try database.scalarInt("SELECT version FROM slice_index_state WHERE id = 1") == Int64(current.row) else { return nil }
            do {
                return .some(try stored(current.row))
            } catch let wide as SliceIndexCoding.WideKey {
                throw wide  // the index is sound: the records answer
            } catch {
                return nil
            }
        }
        if let found { return found }
        let rebuilt = try database.readTransaction { () -> EncodedSliceIndex? in
            guard let current = try currentVersion() else { return nil }
            return try buildSliceIndex(version: current.row)
        }
        guard let rebuilt else { return nil }
        keep(rebuilt)
        return try inMemory(rebuilt)
    }

    /// Brings the slice index to the current version without decoding it: brought up to date
    /// from the revisions of later versions when it is behind (only the examples they changed are
    /// read), built from every live record when there is none. The new index is saved when the
    /// database is not busy (it is a cache); in the read transaction of `reading` it waits as
    /// `sliceIndexToSave` until the transaction ends, and `firstIndexedKeys` reads it there.
    /// Returns the index it made; nil when the stored one (or the one waiting) is current, or the
    /// database is empty.
    @discardableResult
    func bringSliceIndexUpToDate() throws -> EncodedSliceIndex? {
        let made = try database.readTransaction { () -> EncodedSliceIndex? in
            guard let current = try currentVersion() else { return nil }
            if let pending = sliceIndexToSave, pending.version == current.row { return nil }
            let storedVersion = try database.scalarInt("SELECT version FROM slice_index_state WHERE id = 1").map(Int.init)
            if storedVersion == current.row { return nil }
            if let storedVersion, storedVersion < current.row, let refreshed = try? refreshSliceIndex(from: storedVersion, to: current.row) {
                return refreshed
            }
            return try buildSliceIndex(version: current.row)
        }
        if let made { keep(made) }
        return made
    }

    /// Saves a new index, or in the transaction of `reading` (where a write would wait for it to
    /// end, or fail) keeps it to save then.
    private func keep(_ index: EncodedSliceIndex) {
        if isReading { sliceIndexToSave = index } else { saveSliceIndex(index) }
    }

    /// The values of `keys` for examples asked about in ascending key order, from the slice index
    /// of the current version (`SliceValueStream`), with its version and every key some live
    /// example has; nil in an empty database. The rows are read from the stored index when it
    /// describes the current version (nothing decoded until asked), else from the index brought up
    /// to date or built (`bringSliceIndexUpToDate`), or waiting to be saved, where it is held.
    func currentSliceValueStream(_ keys: [String]) throws -> (stream: SliceValueStream, version: Int, existingKeys: Set<ExactString>)? {
        let names = keys.map(ExactString.init)
        return try readingCurrentSliceIndex(
            inMemory: { try Self.sliceValueStream(names, of: $0) },
            stored: { version in
                let (stream, existing) = try storedSliceValueStream(names)
                return (stream, version, existing)
            })
    }

    /// A stream of `names`' values from an index held in memory (made, or waiting to be saved).
    private static func sliceValueStream(
        _ names: [ExactString], of index: EncodedSliceIndex
    ) throws -> (stream: SliceValueStream, version: Int, existingKeys: Set<ExactString>) {
        var joined: [UInt8] = []
        var ranges: [Range<Int>?] = []
        for name in names {
            let data = try index.rows.row(named: name)
            ranges.append(data.map { joined.count..<joined.count + $0.count })
            joined += data ?? []
        }
        let stream = try joined.withUnsafeBytes { bytes in
            try SliceValueStream(rows: zip(names, ranges).map { ($0, $1.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }) })
        }
        let indexed = Set(index.rows.names)
        return (stream, index.version, index.live.isEmpty ? indexed : indexed.union(SliceIndex.unindexed.map(ExactString.init)))
    }

    /// A stream of `names`' values from their stored rows, and every key some live example has
    /// (as `SliceIndex.existingKeys`), read in the caller's transaction.
    private func storedSliceValueStream(_ names: [ExactString]) throws -> (SliceValueStream, Set<ExactString>) {
        // Whether some example is live, without reading the list (an empty one is one byte, its count).
        let live = try database.scalarInt("SELECT length(live) > 1 FROM slice_index_state WHERE id = 1") == 1
        var indexed = Set<ExactString>()
        let keys = try database.prepare("SELECT key FROM slice_index")
        while try keys.step() { indexed.insert(ExactString(keys.text(0))) }
        // A statement a key, left on its row while the stream copies it.
        var rows: [Statement] = []
        defer { withExtendedLifetime(rows) {} }
        var found: [(name: ExactString, row: UnsafeRawBufferPointer?)] = []
        for name in names {
            let row = try database.prepare("SELECT data FROM slice_index WHERE key = ?")
            rows.append(row)
            try row.bind([.text(name.string)])
            found.append((name, try row.step() ? row.bytes(0) : nil))
        }
        return (try SliceValueStream(rows: found), live ? indexed.union(SliceIndex.unindexed.map(ExactString.init)) : indexed)
    }

    /// The index of the current version (`version`) from every live record: the upper half of the
    /// example keys on a second thread over a read connection of its own, when there are many and
    /// it sees the same version (it does unless an import commits in between; then this thread
    /// does that half too).
    private func buildSliceIndex(version: Int) throws -> EncodedSliceIndex {
        let largest = try database.scalarInt("SELECT max(key) FROM stored_examples") ?? 0
        let limits = (postings: sliceIndexMemoryLimits.postings, rows: sliceIndexMemoryLimits.rows, values: sliceIndexValueLimit)
        guard largest >= parallelSliceIndexBuild else {
            return try Self.sliceIndexBuilder(database, keys: 0...largest, limits).finish(version: version)
        }
        let middle = largest / 2
        let path = database.path
        // The upper half; nil when it could not be built there.
        let upper = ThreadResult<SliceIndexBuilder?>.start {
            do {
                let connection = try Database(path: path, mode: .readOnly)
                return try connection.readTransaction {
                    guard try connection.scalarInt("SELECT max(number) FROM stored_versions") == Int64(version) else { return nil }
                    return try Self.sliceIndexBuilder(connection, keys: (middle + 1)...largest, limits)
                }
            } catch {
                return nil
            }
        }
        var lower = try Self.sliceIndexBuilder(database, keys: 0...middle, limits)
        try lower.append(try upper.take() ?? Self.sliceIndexBuilder(database, keys: (middle + 1)...largest, limits))
        return try lower.finish(version: version)
    }

    /// The live examples whose keys are in `keys`, read over `database`, added to a builder. The
    /// records are read once each: a small page cache meanwhile (memory stays flat).
    private static func sliceIndexBuilder(
        _ database: Database, keys: ClosedRange<Int64>, _ limits: (postings: Int, rows: Int, values: Int)
    ) throws -> SliceIndexBuilder {
        try database.scanning { try sliceIndexScan(database, keys: keys, limits) }
    }

    private static func sliceIndexScan(
        _ database: Database, keys: ClosedRange<Int64>, _ limits: (postings: Int, rows: Int, values: Int)
    ) throws -> SliceIndexBuilder {
        var builder = SliceIndexBuilder(memoryLimit: limits.postings, rowsMemoryLimit: limits.rows, valueLimit: limits.values)
        let rows = try database.prepare(
            """
            SELECT e.key, r.record FROM \(StorageModel.headJoin)
            WHERE e.key BETWEEN ? AND ? AND r.kind != 'removed' ORDER BY e.key
            """)
        try rows.bind([.int(keys.lowerBound), .int(keys.upperBound)])
        while try rows.step() {
            try builder.add(UInt32(truncatingIfNeeded: rows.int(0)), canonicalRecord: rows.bytes(1).bindMemory(to: UInt8.self))
        }
        return builder
    }

    /// The stored index (state and the keys `needed`), or nil when there is none.
    private func loadSliceIndex(loading needed: Set<ExactString>?) throws -> SliceIndex? {
        let state = try database.prepare("SELECT version, live FROM slice_index_state WHERE id = 1")
        guard try state.step() else { return nil }
        var reader = SliceIndexCoding.Reader(state.bytes(1))
        var index = SliceIndex(version: Int(state.int(0)), live: try reader.postings(), keys: [:], indexedKeys: [])
        let rows = try database.prepare("SELECT key, data FROM slice_index")
        while try rows.step() {
            let key = ExactString(rows.text(0))
            index.indexedKeys.insert(key)
            if SliceIndexCoding.isWide(rows.bytes(1)) {
                index.wideKeys.insert(key)
            } else if needed?.contains(key) ?? true {
                index.keys[key] = try SliceIndexCoding.decode(rows.bytes(1))
            }
        }
        return index
    }

    /// The stored index, of version `from`, brought to version `to` one stored key at a time: the
    /// examples changed since are taken out of each key's postings and those still live put back
    /// with their current values. Memory holds the changed examples' values in stored form, one
    /// stored row and its new one, and the live examples; the new rows past a budget wait in a
    /// temporary file (`SliceIndexRows`). Nil when so many changed that building it afresh is
    /// quicker.
    private func refreshSliceIndex(from: Int, to: Int) throws -> EncodedSliceIndex? {
        try database.scanning {  // the changed records are read once each
            try refreshedSliceIndex(from: from, to: to)
        }
    }

    private func refreshedSliceIndex(from: Int, to: Int) throws -> EncodedSliceIndex? {
        let state = try database.prepare("SELECT live FROM slice_index_state WHERE id = 1")
        guard try state.step() else { return nil }
        defer { withExtendedLifetime(state) {} }  // on its row until the end: the live examples are read there
        var storedLive = try PostingsCursor(postings: state.bytes(0))
        var reader = SliceIndexCoding.Reader(state.bytes(0))
        let storedCount = try reader.number()

        // The changed examples, and their current values as a small index of their own (in
        // stored form too), read as they are listed; more than a third: nil, a build is quicker.
        let changedRows = try database.prepare("SELECT DISTINCT example FROM stored_revisions WHERE version > ? ORDER BY example")
        try changedRows.bind([.int(Int64(from))])
        var isChanged = BitSet()
        var changedCount = 0
        var builder = SliceIndexBuilder(
            memoryLimit: sliceIndexMemoryLimits.postings, rowsMemoryLimit: sliceIndexMemoryLimits.rows, valueLimit: sliceIndexValueLimit)
        let head = try database.prepare(StorageModel.headByKey)
        while try changedRows.step() {
            let key = changedRows.int(0)
            changedCount += 1
            guard changedCount <= storedCount / 3 else { return nil }
            isChanged.insert(key)
            try head.bind([.int(key)])
            if try head.step(), !head.isNull(0) {
                try builder.add(UInt32(truncatingIfNeeded: key), canonicalRecord: head.bytes(0).bindMemory(to: UInt8.self))
            }
            head.reset()
        }
        let changes = try builder.finish(version: to)

        // The live examples and each key merged in their stored form, as read: no key decoded.
        let changedLive = changes.live.decoded()
        var live = PostingsBuffer()
        var j = 0
        while let key = try storedLive.next() {
            if isChanged.contains(Int64(key)) { continue }
            while j < changedLive.count && changedLive[j] < key {
                live.append(changedLive[j])
                j += 1
            }
            live.append(key)
        }
        for key in changedLive[j...] { live.append(key) }
        var refreshed = EncodedSliceIndex(version: to, live: live, rows: SliceIndexRows(memoryLimit: sliceIndexMemoryLimits.rows))
        var merged = Set<ExactString>()
        let rows = try database.prepare("SELECT key, data FROM slice_index")
        while try rows.step() {
            let name = ExactString(rows.text(0))
            merged.insert(name)
            let added = try changes.rows.row(named: name)
            let row = try rows.bytes(1)
            let data: [UInt8]?
            if let added {
                data = try added.withUnsafeBytes {
                    try SliceIndexCoding.refreshed(row, without: isChanged, adding: $0, valueLimit: sliceIndexValueLimit)
                }
            } else {
                data = try SliceIndexCoding.refreshed(row, without: isChanged, adding: nil, valueLimit: sliceIndexValueLimit)
            }
            if let data { try refreshed.rows.append(name, data) }
        }
        // Keys only the changed examples have: their rows as made.
        for (number, name) in changes.rows.names.enumerated() where !merged.contains(name) {
            try refreshed.rows.append(name, changes.rows.row(number))
        }
        return refreshed
    }

    /// Saves `index` unless the database is busy or holds as new an index already; a failure
    /// loses nothing (the next query builds it again).
    func saveSliceIndex(_ index: EncodedSliceIndex) {
        try? database.scanning {  // written once
            try database.withoutWaiting {
                try database.writeTransaction {
                    if let stored = try database.scalarInt("SELECT version FROM slice_index_state WHERE id = 1"), stored >= index.version {
                        return
                    }
                    try database.execute("DELETE FROM slice_index")
                    // Each row written where it is stored, a part at a time (`IncrementalBlob`): not read
                    // whole from its temporary file, nor copied by SQLite as a bound value.
                    let insert = try database.prepare("INSERT INTO slice_index(key, data) VALUES (?, zeroblob(?)) RETURNING rowid")
                    for (number, name) in index.rows.names.enumerated() {
                        try insert.bind([.text(name.string), .int(Int64(index.rows.size(number)))])
                        // The row made (RETURNING); none would leave 0, which no row has: the open fails.
                        let row = try insert.step() ? insert.int(0) : 0
                        try insert.stepToEnd()
                        let blob = try IncrementalBlob(database, table: "slice_index", column: "data", row: row, writable: true)
                        try index.rows.forEachPart(number) { try blob.write($0, at: $1) }
                    }
                    var live: [UInt8] = []
                    index.live.encode(to: &live)
                    try database.prepare("INSERT OR REPLACE INTO slice_index_state(id, version, live) VALUES (1, ?, ?)")
                        .run([.int(Int64(index.version)), .blob(live)])
                }
            }
        }
    }
}
