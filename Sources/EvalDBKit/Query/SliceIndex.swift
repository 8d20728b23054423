/// Example keys in ascending order.
typealias Postings = [UInt32]

/// One key's values across the live examples of a version, as slice sees them: a string as
/// itself, a list as its elements, anything else as its canonical JSON.
struct KeyPostings {
    var values: [String] = []
    /// For each value, the examples that hold it.
    var postings: [Postings] = []
    /// Examples that have the key without a value (an empty list).
    var valueless: Postings = []

    var isEmpty: Bool { valueless.isEmpty && postings.allSatisfy(\.isEmpty) }
}

/// The label values of one version's live examples, by key: what `slice`, `--count-by` and
/// `coverage` read instead of every record. Derived from the revisions and kept in the database
/// as a cache (migration 0006); `Store.currentSliceIndex` keeps it up to date.
struct SliceIndex {
    /// Fields every example has whose values are long or unique: not indexed. A condition on one
    /// reads the records.
    static let unindexed: Set<String> = ["id", "input", "context", "expected_output", "notes", "labels"]

    /// The most distinct values a key's row holds (`Store.sliceIndexValueLimit`). A key with more
    /// (a trace id, a timestamp: a value an example) is *wide*: its row is stored empty, holding
    /// no value, and a query that names it reads the records, as for `id`. Building the index then
    /// holds a bounded table of values a key, whatever the examples hold; a key once wide stays so
    /// when the index is brought up to date (the unchanged examples' values are not kept), until
    /// it is built again.
    static let defaultValueLimit = 100_000

    var version: Int
    var live: Postings
    /// The keys loaded (all, or those a query needs).
    var keys: [ExactString: KeyPostings]
    /// Every indexed key some live example has.
    var indexedKeys: Set<ExactString>
    /// The wide keys among them (`defaultValueLimit`): not loaded, their values not held.
    var wideKeys: Set<ExactString> = []

    /// Every key some live example has, as slice sees keys.
    var existingKeys: Set<ExactString> { live.isEmpty ? indexedKeys : indexedKeys.union(Self.unindexed.map(ExactString.init)) }

    static func isIndexed(_ key: String) -> Bool { !unindexed.contains(key) }
}

// MARK: - Stored form

/// Delta-varint coding of postings and the byte layout of a key's row:
/// `count, (length, UTF-8 bytes, postings) per value, valueless postings`, where postings are
/// `count, gaps...` (each key minus the previous one, the first from 0), all LEB128 varints.
enum SliceIndexCoding {
    static func append(_ number: Int, to output: inout [UInt8]) {
        var rest = UInt(number)
        while rest >= 0x80 {
            output.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        output.append(UInt8(rest))
    }

    static func append(_ postings: Postings, to output: inout [UInt8]) {
        append(postings.count, to: &output)
        var previous: UInt32 = 0
        for key in postings {
            append(Int(key - previous), to: &output)
            previous = key
        }
    }

    static func encode(_ key: KeyPostings) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(key.postings.reduce(16) { $0 + $1.count + 8 })
        append(key.values.count, to: &output)
        for (value, postings) in zip(key.values, key.postings) {
            append(value.utf8.count, to: &output)
            output.append(contentsOf: value.utf8)
            append(postings, to: &output)
        }
        append(key.valueless, to: &output)
        return output
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func number() throws -> Int {
            var result = 0, shift = 0
            while true {
                guard offset < bytes.count, shift < 63 else { throw DamagedIndex() }
                let byte = bytes[offset]
                offset += 1
                result |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }

        mutating func postings() throws -> Postings {
            let count = try number()
            guard count <= bytes.count - offset else { throw DamagedIndex() }
            var result = Postings()
            result.reserveCapacity(count)
            var key: UInt32 = 0
            for _ in 0..<count {
                key &+= UInt32(truncatingIfNeeded: try number())
                result.append(key)
            }
            return result
        }

        /// A value's text: its length, then its bytes, read where they are.
        mutating func text() throws -> UnsafeRawBufferPointer {
            let length = try number()
            guard length <= bytes.count - offset else { throw DamagedIndex() }
            defer { offset += length }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
        }

        mutating func string() throws -> String { String(decoding: try text(), as: UTF8.self) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> KeyPostings {
        guard !isWide(bytes) else { throw WideKey() }
        var reader = Reader(bytes)
        var key = KeyPostings()
        let count = try reader.number()
        for _ in 0..<count {
            key.values.append(try reader.string())
            key.postings.append(try reader.postings())
        }
        key.valueless = try reader.postings()
        return key
    }

    /// `KeyPostings.replacing` on a key's stored row, in its stored form: each value's postings
    /// merged as they are read (the examples of `changed` left out, those of `added` — the changed
    /// examples' row of the key, also stored form — put in), nothing decoded into arrays, so that
    /// bringing a key up to date holds its row and its new row only. The same bytes as
    /// `encode(decode(row).replacing(changed, with: added.map(decode)))`; nil for a key no
    /// example has any more. The new row is written once: its count of values first, as room for
    /// the largest it can be, rewritten in place at the end.
    /// A wide row, or a wide added row, gives a wide row; so does a row left with more than
    /// `valueLimit` values.
    static func refreshed(
        _ row: UnsafeRawBufferPointer, without changed: BitSet, adding added: UnsafeRawBufferPointer?, valueLimit: Int
    ) throws -> [UInt8]? {
        if isWide(row) || added.map(isWide) == true { return wideRow }
        // The added row's values: each one's text and where its postings are (byte for byte).
        var addedValues: [(text: UnsafeRawBufferPointer, postings: Range<Int>)] = []
        var addedValueless: PostingsCursor?
        var position: [ExactString: Int] = [:]
        if let added {
            var reader = Reader(added)
            for _ in 0..<(try reader.number()) {
                let text = try reader.text()
                let start = reader.offset
                try PostingsCursor.skip(try reader.number(), in: added, at: &reader.offset)
                position[ExactString(String(decoding: text, as: UTF8.self))] = addedValues.count
                addedValues.append((text, start..<reader.offset))
            }
            addedValueless = try PostingsCursor(postings: UnsafeRawBufferPointer(rebasing: added[reader.offset...]))
        }
        func addedPostings(_ number: Int) throws -> PostingsCursor {
            try PostingsCursor(postings: UnsafeRawBufferPointer(rebasing: added![addedValues[number].postings]))
        }

        var reader = Reader(row)
        let storedCount = try reader.number()
        var body: [UInt8] = []
        body.reserveCapacity(row.count + 64)
        append(storedCount + addedValues.count, to: &body)  // room for the count, rewritten below
        let room = body.count
        var kept = 0
        var placed = [Bool](repeating: false, count: addedValues.count)
        for _ in 0..<storedCount {
            let text = try reader.text()
            var new: PostingsCursor?
            if let number = position[ExactString(String(decoding: text, as: UTF8.self))] {
                placed[number] = true
                new = try addedPostings(number)
            }
            let merged = try mergedPostings(&reader, without: changed, &new)
            guard !merged.isEmpty else { continue }
            kept += 1
            append(text.count, to: &body)
            body.append(contentsOf: text)
            merged.encode(to: &body)
        }
        let valueless = try mergedPostings(&reader, without: changed, &addedValueless)
        for (number, value) in addedValues.enumerated() where !placed[number] {
            let postings = UnsafeRawBufferPointer(rebasing: added![value.postings])
            guard postings.first != 0 else { continue }  // a count of 0: no example
            kept += 1
            append(value.text.count, to: &body)
            body.append(contentsOf: value.text)
            body.append(contentsOf: postings)
        }
        guard kept > 0 || !valueless.isEmpty else { return nil }
        guard kept <= valueLimit else { return wideRow }
        valueless.encode(to: &body)
        var count: [UInt8] = []
        append(kept, to: &count)
        body.replaceSubrange(0..<room, with: count)
        return body
    }

    /// The postings at `reader` without the examples of `changed`, merged with those of `new`
    /// (ascending, none of them among the postings kept), as `Postings.merging` does, in their
    /// stored form.
    private static func mergedPostings(_ reader: inout Reader, without changed: BitSet, _ new: inout PostingsCursor?) throws -> PostingsBuffer {
        let count = try reader.number()
        guard count <= reader.bytes.count - reader.offset else { throw DamagedIndex() }
        var merged = PostingsBuffer()
        var key: UInt32 = 0
        var next = try new?.next()
        for _ in 0..<count {
            key &+= UInt32(truncatingIfNeeded: try reader.number())
            if changed.contains(Int64(key)) { continue }
            while let pending = next, pending < key {
                merged.append(pending)
                next = try new?.next()
            }
            merged.append(key)
        }
        while let pending = next {
            merged.append(pending)
            next = try new?.next()
        }
        return merged
    }

    /// A stored index that does not decode: it is rebuilt.
    struct DamagedIndex: Error {}

    /// A wide key's row was read for its values (`SliceIndex.defaultValueLimit`): the index cannot
    /// answer, the records do. Not damage: the index stays.
    struct WideKey: Error {}

    /// The row of a wide key: empty (a row that holds anything has at least its count of values
    /// and its valueless postings).
    static let wideRow: [UInt8] = []

    static func isWide(_ row: UnsafeRawBufferPointer) -> Bool { row.isEmpty }
}
