import Foundation

extension Store {
    /// The slice index of the current version, with the keys in `needed` loaded (nil: every key);
    /// nil in an empty database. The stored index is used when it describes the current version,
    /// brought up to date from the revisions of later versions when it is behind (only the
    /// examples they changed are read), and built from every live record when there is none. A
    /// new or updated index is saved when the database is not busy: it is a cache.
    func currentSliceIndex(loading needed: Set<ExactString>?) throws -> SliceIndex? {
        let (stored, new) = try database.readTransaction { () -> (SliceIndex?, EncodedSliceIndex?) in
            guard let current = try currentVersion() else { return (nil, nil) }
            // The stored index first: up to date, only the keys needed are decoded; behind, it is
            // brought up to date a key at a time.
            let storedVersion = try database.scalarInt("SELECT version FROM slice_index_state WHERE id = 1").map(Int.init)
            if storedVersion == current.row, let stored = try? loadSliceIndex(loading: needed) { return (stored, nil) }
            return (nil, try madeSliceIndex(from: storedVersion, to: current.row))
        }
        guard let new else { return stored }
        keep(new)
        return try new.index(loading: needed)
    }

    /// The values of `keys` for examples asked about in ascending key order, from the slice index
    /// of the current version (`SliceValueStream`), with its version and every key some live
    /// example has; nil in an empty database. The rows are read from the stored index when it
    /// describes the current version (nothing decoded until asked), else from the index brought up
    /// to date or built, and saved, as `currentSliceIndex` does.
    func currentSliceValueStream(_ keys: [String]) throws -> (stream: SliceValueStream, version: Int, existingKeys: Set<ExactString>)? {
        let names = keys.map(ExactString.init)
        let (stored, new) = try database.readTransaction {
            () -> ((stream: SliceValueStream, version: Int, existingKeys: Set<ExactString>)?, EncodedSliceIndex?) in
            guard let current = try currentVersion() else { return (nil, nil) }
            let storedVersion = try database.scalarInt("SELECT version FROM slice_index_state WHERE id = 1").map(Int.init)
            if storedVersion == current.row, let stored = try? storedSliceValueStream(names) { return ((stored.0, current.row, stored.1), nil) }
            return (nil, try madeSliceIndex(from: storedVersion, to: current.row))
        }
        guard let new else { return stored }
        keep(new)
        var joined: [UInt8] = []
        var ranges: [Range<Int>?] = []
        for name in names {
            let data = new.keys.first { $0.name == name }?.data
            ranges.append(data.map { joined.count..<joined.count + $0.count })
            joined += data ?? []
        }
        let stream = try joined.withUnsafeBytes { bytes in
            try SliceValueStream(rows: zip(names, ranges).map { ($0, $1.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }) })
        }
        let indexed = Set(new.keys.map(\.name))
        return (stream, new.version, new.live.isEmpty ? indexed : indexed.union(SliceIndex.unindexed.map(ExactString.init)))
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

    /// The index of version `to` made afresh: the stored one (of version `from`) brought up to
    /// date when it is behind, else built from every live record.
    private func madeSliceIndex(from storedVersion: Int?, to current: Int) throws -> EncodedSliceIndex {
        if let storedVersion, storedVersion < current, let refreshed = try? refreshSliceIndex(from: storedVersion, to: current) {
            return refreshed
        }
        return try buildSliceIndex(version: current)
    }

    /// Saves an index made afresh: now, or once the transaction of `reading` ends (a write would
    /// wait for it to end, or fail).
    private func keep(_ new: EncodedSliceIndex) {
        if isReading { sliceIndexToSave = new } else { saveSliceIndex(new) }
    }

    /// The index of the current version (`version`) from every live record: the upper half of the
    /// example keys on a second thread over a read connection of its own, when there are many and
    /// it sees the same version (it does unless an import commits in between; then this thread
    /// does that half too).
    private func buildSliceIndex(version: Int) throws -> EncodedSliceIndex {
        let largest = try database.scalarInt("SELECT max(key) FROM stored_examples") ?? 0
        guard largest >= parallelSliceIndexBuild else {
            return try Self.sliceIndexBuilder(database, keys: 0...largest).finish(version: version)
        }
        let middle = largest / 2
        let path = database.path
        // The upper half; nil when it could not be built there.
        let upper = ThreadResult<SliceIndexBuilder?>.start {
            do {
                let connection = try Database(path: path, mode: .readOnly)
                return try connection.readTransaction {
                    guard try connection.scalarInt("SELECT max(number) FROM stored_versions") == Int64(version) else { return nil }
                    return try Self.sliceIndexBuilder(connection, keys: (middle + 1)...largest)
                }
            } catch {
                return nil
            }
        }
        var lower = try Self.sliceIndexBuilder(database, keys: 0...middle)
        lower.append(try upper.take() ?? Self.sliceIndexBuilder(database, keys: (middle + 1)...largest))
        return lower.finish(version: version)
    }

    /// The live examples whose keys are in `keys`, read over `database`, added to a builder. The
    /// records are read once each: a small page cache meanwhile (memory stays flat).
    private static func sliceIndexBuilder(_ database: Database, keys: ClosedRange<Int64>) throws -> SliceIndexBuilder {
        try database.scanning { try sliceIndexScan(database, keys: keys) }
    }

    private static func sliceIndexScan(_ database: Database, keys: ClosedRange<Int64>) throws -> SliceIndexBuilder {
        var builder = SliceIndexBuilder()
        let rows = try database.prepare(
            """
            SELECT e.key, r.record FROM \(StorageModel.headJoin)
            WHERE e.key BETWEEN ? AND ? AND r.kind != 'removed' ORDER BY e.key
            """)
        try rows.bind([.int(keys.lowerBound), .int(keys.upperBound)])
        while try rows.step() {
            builder.add(UInt32(truncatingIfNeeded: rows.int(0)), canonicalRecord: rows.bytes(1).bindMemory(to: UInt8.self))
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
            if needed?.contains(key) ?? true { index.keys[key] = try SliceIndexCoding.decode(rows.bytes(1)) }
        }
        return index
    }

    /// The stored index, of version `from`, brought to version `to` one stored key at a time: the
    /// examples changed since are taken out of each key's postings and those still live put back
    /// with their current values. Memory holds the changed examples' values, one key decoded and
    /// the index in its stored form, not every key decoded. Nil when so many changed that building
    /// it afresh is quicker.
    private func refreshSliceIndex(from: Int, to: Int) throws -> EncodedSliceIndex? {
        try database.scanning {  // the changed records are read once each
            try refreshedSliceIndex(from: from, to: to)
        }
    }

    private func refreshedSliceIndex(from: Int, to: Int) throws -> EncodedSliceIndex? {
        let state = try database.prepare("SELECT live FROM slice_index_state WHERE id = 1")
        guard try state.step() else { return nil }
        var reader = SliceIndexCoding.Reader(state.bytes(0))
        let storedLive = try reader.postings()
        state.reset()

        let changedRows = try database.prepare("SELECT DISTINCT example FROM stored_revisions WHERE version > ? ORDER BY example")
        try changedRows.bind([.int(Int64(from))])
        var changed: [Int64] = []
        while try changedRows.step() { changed.append(changedRows.int(0)) }
        guard changed.count <= storedLive.count / 3 else { return nil }
        var isChanged = BitSet()
        for key in changed { isChanged.insert(key) }

        // The changed examples' current values: a small index of their own.
        var builder = SliceIndexBuilder()
        let head = try database.prepare(StorageModel.headByKey)
        for key in changed {
            try head.bind([.int(key)])
            if try head.step(), !head.isNull(0) {
                builder.add(UInt32(truncatingIfNeeded: key), canonicalRecord: head.bytes(0).bindMemory(to: UInt8.self))
            }
            head.reset()
        }
        var changes = try builder.finish(version: to).index(loading: nil)

        var refreshed = EncodedSliceIndex(
            version: to, live: Postings.merging(storedLive, without: isChanged, changes.live), keys: [])
        let rows = try database.prepare("SELECT key, data FROM slice_index")
        while try rows.step() {
            let name = ExactString(rows.text(0))
            let key = try SliceIndexCoding.decode(rows.bytes(1)).replacing(isChanged, with: changes.keys.removeValue(forKey: name))
            if !key.isEmpty { refreshed.keys.append((name, SliceIndexCoding.encode(key))) }
        }
        for (name, key) in changes.keys where !key.isEmpty { refreshed.keys.append((name, SliceIndexCoding.encode(key))) }
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
                    let insert = try database.prepare("INSERT INTO slice_index(key, data) VALUES (?, ?)")
                    for (name, data) in index.keys { try insert.run([.text(name.string), .blob(data)]) }
                    var live: [UInt8] = []
                    SliceIndexCoding.append(index.live, to: &live)
                    try database.prepare("INSERT OR REPLACE INTO slice_index_state(id, version, live) VALUES (1, ?, ?)")
                        .run([.int(Int64(index.version)), .blob(live)])
                }
            }
        }
    }
}
