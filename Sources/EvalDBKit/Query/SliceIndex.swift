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

    /// These postings without the examples in `changed`, and with `added`'s (examples of
    /// `changed`, with their current values); values no example holds any more are left out.
    func replacing(_ changed: BitSet, with added: KeyPostings?) -> KeyPostings {
        let added = added ?? KeyPostings()
        var result = KeyPostings(values: [], postings: [], valueless: .merging(valueless, without: changed, added.valueless))
        var position = Dictionary(uniqueKeysWithValues: added.values.enumerated().map { (ExactString($1), $0) })  // byte for byte
        for (value, examples) in zip(values, postings) {
            let new = position.removeValue(forKey: ExactString(value)).map { added.postings[$0] } ?? []
            result.values.append(value)
            result.postings.append(.merging(examples, without: changed, new))
        }
        for (number, value) in added.values.enumerated() where position[ExactString(value)] != nil {
            result.values.append(value)
            result.postings.append(added.postings[number])
        }
        let kept = result.postings.indices.filter { !result.postings[$0].isEmpty }
        if kept.count < result.values.count {
            result.values = kept.map { result.values[$0] }
            result.postings = kept.map { result.postings[$0] }
        }
        return result
    }
}

extension Postings {
    /// `a` without the keys in `removed`, merged with `b` (ascending, no key of `a` outside
    /// `removed`), in one pass: ascending.
    static func merging(_ a: Postings, without removed: BitSet, _ b: Postings) -> Postings {
        var result = Postings()
        result.reserveCapacity(a.count + b.count)
        var j = 0
        for key in a where !removed.contains(Int64(key)) {
            while j < b.count && b[j] < key {
                result.append(b[j])
                j += 1
            }
            result.append(key)
        }
        result += b[j...]
        return result
    }
}

/// The label values of one version's live examples, by key: what `slice`, `--count-by` and
/// `coverage` read instead of every record. Derived from the revisions and kept in the database
/// as a cache (migration 0006); `Store.currentSliceIndex` keeps it up to date.
struct SliceIndex {
    /// Fields every example has whose values are long or unique: not indexed. A condition on one
    /// reads the records.
    static let unindexed: Set<String> = ["id", "input", "context", "expected_output", "notes", "labels"]

    var version: Int
    var live: Postings
    /// The keys loaded (all, or those a query needs).
    var keys: [ExactString: KeyPostings]
    /// Every indexed key some live example has.
    var indexedKeys: Set<ExactString>

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

        mutating func string() throws -> String {
            let length = try number()
            guard length <= bytes.count - offset else { throw DamagedIndex() }
            defer { offset += length }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self)
        }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> KeyPostings {
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

    /// A stored index that does not decode: it is rebuilt.
    struct DamagedIndex: Error {}
}
