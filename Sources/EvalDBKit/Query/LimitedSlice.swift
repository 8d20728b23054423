extension Store {
    /// The first `limit` examples (by key; every one with `Int.max`) that match `conditions`, each a value a key holds, read
    /// from the stored index without decoding it: each condition's postings are found in its key's
    /// row and decoded only as far as the intersection needs. Answers (in a read transaction) only
    /// what `sliceFromIndex` would answer alike from the decoded index: `version` current, the
    /// stored index of that version (or the one made in this read transaction, waiting to be
    /// saved: `bringSliceIndexUpToDate`), its line order that of the keys, every key indexed and held
    /// by some example; nil otherwise (the caller takes the general path, which also names unknown
    /// keys). `slice --limit 10` on ten million examples then reads tens of megabytes of index
    /// and decodes a few thousand numbers, not every posting of the key and of the live examples.
    func firstIndexedKeys(_ version: DatasetVersion, where conditions: [SliceCondition], limit: Int) throws -> [Int64]? {
        guard !conditions.isEmpty, limit > 0, let wanted = SliceCondition.indexedValues(conditions),
            try database.scalarInt("SELECT line_order IS NULL FROM stored_versions WHERE number = ?", [.int(Int64(version.row))]) == 1
        else { return nil }
        // Each condition's postings in its row, read where it is. A key no live example has: nil,
        // the general path says so.
        return try withSliceIndexRows(version, keys: wanted.map(\.key)) { _, rows in
            guard !rows.contains(where: { $0 == nil }) else { return nil }
            return try Self.intersect(zip(rows, wanted).map { try PostingsCursor(row: $0!, value: $1.value) }, limit: limit)
        }
    }

    /// The first `limit` keys every cursor holds, ascending; none when a value is held by no
    /// example (a nil cursor).
    private static func intersect(_ found: [PostingsCursor?], limit: Int) throws -> [Int64] {
        var common = PostingsIntersection(found)
        var result: [Int64] = []
        while result.count < limit, let key = try common.next() { result.append(Int64(key)) }
        return result
    }
}

/// The keys every cursor holds, ascending, found as they are asked for: each cursor skips to
/// the candidate of the first (`PostingsCursor.first(atLeast:)`). None when a value is held by
/// no example (a nil cursor).
struct PostingsIntersection {
    private var cursors: [PostingsCursor]
    private var done: Bool

    init(_ found: [PostingsCursor?]) {
        done = found.isEmpty || found.contains { $0 == nil }
        cursors = done ? [] : found.map { $0! }
    }

    mutating func next() throws -> UInt32? {
        guard !done, var candidate = try cursors[0].next() else {
            done = true
            return nil
        }
        search: while true {
            for i in cursors.indices.dropFirst() {
                guard let at = try cursors[i].first(atLeast: candidate) else { break search }
                if at > candidate {
                    guard let next = try cursors[0].first(atLeast: at) else { break search }
                    candidate = next
                    continue search
                }
            }
            return candidate
        }
        done = true
        return nil
    }
}

/// One value's postings in a key's stored row (`SliceIndexCoding`), decoded as they are read.
/// It reads the row where it is: valid while the statement that gave the row stays on it.
struct PostingsCursor {
    private var reader: SliceIndexCoding.Reader
    private var remaining: Int
    private var current: UInt32 = 0
    private var started = false

    /// Postings stored as `count, deltas` (`SliceIndexCoding.append(_:to:)`), as the live examples are.
    init(postings: UnsafeRawBufferPointer) throws {
        reader = SliceIndexCoding.Reader(postings)
        remaining = try reader.number()
    }

    /// The postings of `value` in `row`, or nil when no example holds it (the first value equal to
    /// it, code point by code point, as `SliceIndex.matching` finds it).
    init?(row: UnsafeRawBufferPointer, value: String) throws {
        guard !SliceIndexCoding.isWide(row) else { throw SliceIndexCoding.WideKey() }
        var reader = SliceIndexCoding.Reader(row)
        let count = try reader.number()
        for _ in 0..<count {
            let matches = try reader.text().elementsEqual(value.utf8)
            let postings = try reader.number()
            if matches {
                self.reader = reader
                remaining = postings
                return
            }
            try Self.skip(postings, in: row, at: &reader.offset)
        }
        return nil
    }

    /// Moves past `count` varints.
    static func skip(_ count: Int, in row: UnsafeRawBufferPointer, at offset: inout Int) throws {
        var left = count
        var i = offset
        // Eight bytes at a time while eight varints or more are left: each byte under 0x80 ends
        // one, so a word never ends more than are left, and when it ends the last it ends there.
        while left >= 8 && i + 8 <= row.count {
            left -= 8 - (row.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080).nonzeroBitCount
            i += 8
        }
        while left > 0 {
            guard i < row.count else { throw SliceIndexCoding.DamagedIndex() }
            if row[i] < 0x80 { left -= 1 }
            i += 1
        }
        offset = i
    }

    /// The next posting, ascending; nil after the last.
    mutating func next() throws -> UInt32? {
        guard remaining > 0 else { return nil }
        let delta = try reader.number()
        remaining -= 1
        current &+= UInt32(truncatingIfNeeded: delta)
        started = true
        return current
    }

    /// The first posting at or after `key` from here on (the current one included); nil when none.
    mutating func first(atLeast key: UInt32) throws -> UInt32? {
        if started && current >= key { return current }
        while let posting = try next() {
            if posting >= key { return posting }
        }
        return nil
    }
}

extension Store {
    /// `slice --count-by KEYS`, with conditions that each name a value of an indexed key or none,
    /// from an up-to-date stored index without decoding it: the examples counted are the live ones
    /// or those the conditions' postings have in common (`PostingsIntersection`), and each key's
    /// values are read from its row as they are counted, in order (`StoredValueCodes`). Holds the
    /// rows and a cursor a value; nothing an example (no key's postings, no list of the live
    /// examples). Nil when the general path must answer (the index behind, a condition it cannot
    /// answer, a key not indexed or held by no example); a damaged row throws.
    func sliceCountsFromStoredIndex(_ version: DatasetVersion, where conditions: [SliceCondition], countBy keys: [String]) throws -> SliceCounts? {
        guard let wanted = SliceCondition.indexedValues(conditions) else { return nil }
        guard keys.allSatisfy(SliceIndex.isIndexed) else { return nil }
        return try withSliceIndexRows(version, keys: wanted.map(\.key) + keys) { live, rows in
            guard !rows.contains(where: { $0 == nil }) else { return nil }
            return try Self.countedFromRows(
                keys, live: live, conditions: zip(rows, wanted).map { ($0!, $1.value) }, rows.suffix(keys.count).map { $0! })
        }
    }

    /// The counts of `slice --count-by keys` over the examples of `live` that every condition's
    /// value holds (each a key's row and a value), `rows` the keys' rows; throws on a damaged row.
    private static func countedFromRows(
        _ keys: [String], live: UnsafeRawBufferPointer, conditions: [(row: UnsafeRawBufferPointer, value: String)], _ rows: [UnsafeRawBufferPointer]
    ) throws -> SliceCounts {
        // The examples counted: the live ones, or those every condition's value holds.
        var all = try PostingsCursor(postings: live)
        var matching = conditions.isEmpty ? nil : PostingsIntersection(try conditions.map { try PostingsCursor(row: $0.row, value: $0.value) })
        var columns = try rows.map { try StoredValueCodes(row: $0) }
        let counted = try SliceIndex.countCombinations(
            next: { try matching != nil ? matching!.next() : all.next() }, keys: keys.count, radices: columns.map(\.values.count)
        ) { try columns[$0].codes(of: $1, into: &$2) }
        return SliceCounts(
            keys: keys,
            counts: counted.map { combination in
                (
                    values: zip(combination.codes, columns).map { code, column in code < 0 ? nil : column.values[Int(code)] },
                    count: combination.count
                )
            })
    }
}
