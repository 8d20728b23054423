extension Store {
    /// `body` given the slice index of `version` where it is, nothing decoded: the live examples
    /// (`count, gaps`) and the rows of `keys` (nil: a key no live example has), from the stored
    /// index, or from the index made in this read transaction and waiting to be saved
    /// (`bringSliceIndexUpToDate`). Call it in a read transaction; the bytes are valid inside
    /// `body` only. Nil when neither describes `version`, or `version` is not the current one.
    func withSliceIndexRows<T>(
        _ version: DatasetVersion, keys: [String], _ body: (_ live: UnsafeRawBufferPointer, _ rows: [UnsafeRawBufferPointer?]) throws -> T?
    ) throws -> T? {
        guard try currentVersion()?.row == version.row else { return nil }
        if let pending = sliceIndexToSave, pending.version == version.row {
            var live: [UInt8] = []
            pending.live.encode(to: &live)
            let rows = try keys.map { try pending.rows.row(named: ExactString($0)) }
            return try Self.withBytes(of: [live] + rows.map { $0 ?? [] }) { bytes in
                try body(bytes[0], zip(rows, bytes.dropFirst()).map { $0 == nil ? nil : $1 })
            }
        }
        // Each statement is left on its row until the end: SQLite holds the bytes there.
        let state = try database.prepare("SELECT version, live FROM slice_index_state WHERE id = 1")
        guard try state.step(), state.int(0) == Int64(version.row) else { return nil }
        var statements = [state]
        defer { withExtendedLifetime(statements) {} }
        var rows: [UnsafeRawBufferPointer?] = []
        for key in keys {
            let row = try database.prepare("SELECT data FROM slice_index WHERE key = ?")
            statements.append(row)
            try row.bind([.text(key)])
            rows.append(try row.step() ? row.bytes(0) : nil)
        }
        return try body(state.bytes(1), rows)
    }

    /// `answer` from the slice index where it is (`withSliceIndexRows`), in one read transaction
    /// with a small page cache (the rows and the records read are read once each); when it cannot
    /// answer because the index is behind, the index is brought up to date (`bringSliceIndexUpToDate`)
    /// and asked once more. Nil when it still cannot answer (the caller takes the general path).
    func answeringFromStoredIndex<T>(_ version: DatasetVersion, _ answer: () throws -> T?) throws -> T? {
        for attempt in 0..<2 {
            let answered = try database.scanning { try database.readTransaction { try answer() } }
            if let answered { return answered }
            guard attempt == 0, try currentVersion()?.row == version.row, try bringSliceIndexUpToDate() != nil else { break }
        }
        return nil
    }

    /// `body` given the bytes of each array, in order.
    static func withBytes<R>(of arrays: [[UInt8]], _ taken: [UnsafeRawBufferPointer] = [], _ body: ([UnsafeRawBufferPointer]) throws -> R)
        rethrows -> R
    {
        guard taken.count < arrays.count else { return try body(taken) }
        return try arrays[taken.count].withUnsafeBytes { try withBytes(of: arrays, taken + [$0], body) }
    }
}
