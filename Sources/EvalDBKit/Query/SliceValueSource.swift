/// The slice values of examples at a version, for grouping their results (`report`, `compare`):
/// from the slice index when the version is the current one and every key is indexed (a few
/// arrays by example key, no record read), else parsed from each example's record at the version.
struct SliceValueSource {
    private let store: Store
    private let version: Int
    private let indexed: IndexedSliceValues?
    /// Every key some live example has, when the values come from the index.
    private let existingKeys: Set<ExactString>?
    /// Values read from records, kept for the next caller of this source (`trend`: many runs of one version).
    private let memo: SliceValueMemo?

    /// `keys`: the keys the caller groups by. `firstValueOf`: a key whose first value the caller
    /// reads (a cluster key): the index does not keep a list's order, so the records are read when
    /// some example holds several values of it.
    /// `memoize`: keep the values read from records (up to `SliceValueMemo.capacity` examples),
    /// for a source asked again about the same examples.
    init(_ store: Store, keys: [String], version: Int, firstValueOf: String? = nil, memoize: Bool = false) throws {
        self.store = store
        self.version = version
        self.memo = memoize ? SliceValueMemo(keys: keys) : nil
        var indexed: IndexedSliceValues?
        var existingKeys: Set<ExactString>?
        if !keys.isEmpty, keys.allSatisfy(SliceIndex.isIndexed), try store.currentVersion()?.row == version,
            let index = try store.currentSliceIndex(loading: Set(keys.map(ExactString.init))), index.version == version
        {
            let values = IndexedSliceValues(index, keys: keys)
            if firstValueOf.map({ !values.holdsSeveralValues($0) }) ?? true {
                indexed = values
                existingKeys = index.existingKeys
            }
        }
        self.indexed = indexed
        self.existingKeys = existingKeys
    }

    /// Whether the values come from the slice index.
    var usesIndex: Bool { indexed != nil }

    /// The values of each example in `examples`.
    func values(of examples: [Int64]) throws -> [Int64: SliceValues] {
        guard let indexed else {
            guard let memo else { return try store.sliceValues(of: examples, at: version) }
            return try memo.values(of: examples) { try store.sliceValues(of: $0, at: version) }
        }
        var result: [Int64: SliceValues] = [:]
        result.reserveCapacity(examples.count)
        for example in examples { result[example] = indexed.values(of: example) }
        return result
    }

    /// Throws `EvalDBError.unknownKeys` when a key of `keys` is in none of `held` (the keys of the
    /// values looked up), naming the keys that exist.
    func checkKeys(_ keys: [String], held: Set<ExactString>) throws {
        let unknown = keys.filter { !held.contains(ExactString($0)) }
        guard !unknown.isEmpty else { return }
        let existing = existingKeys ?? held
        throw EvalDBError.unknownKeys(unknown, existing: existing.sorted(by: ExactString.precedes).map(\.string))
    }
}

/// The keys the looked-up values hold, for `SliceValueSource.checkKeys`: once every key asked
/// about is among them, no more are gathered (the keys that exist are listed only when one is
/// missing, and then every example's keys are gathered).
struct HeldKeys {
    private(set) var keys = Set<ExactString>()
    private let wanted: [ExactString]
    private var complete = false

    init(wanted: [String]) { self.wanted = wanted.map(ExactString.init) }

    mutating func add(_ values: SliceValues) {
        guard !complete else { return }
        keys.formUnion(values.byKey.keys)
        complete = wanted.allSatisfy(keys.contains)
    }
}

/// Slice values already read from records, by example key, up to `capacity` examples (beyond it,
/// values are read again each time: memory stays bounded however large the version). Only the
/// values of `keys` are kept, not the whole record's.
final class SliceValueMemo {
    static let capacity = 100_000
    private let keys: [ExactString]
    private var known: [Int64: SliceValues] = [:]

    init(keys: [String]) { self.keys = keys.map(ExactString.init) }

    func values(of examples: [Int64], reading: ([Int64]) throws -> [Int64: SliceValues]) throws -> [Int64: SliceValues] {
        var result: [Int64: SliceValues] = [:]
        result.reserveCapacity(examples.count)
        var missing: [Int64] = []
        for example in examples {
            if let values = known[example] { result[example] = values } else { missing.append(example) }
        }
        guard !missing.isEmpty else { return result }
        for (example, values) in try reading(missing) {
            result[example] = values
            if known.count < Self.capacity {
                var kept: [ExactString: [String]] = [:]
                for key in keys { kept[key] = values.byKey[key] }
                known[example] = SliceValues(byKey: kept)
            }
        }
        return result
    }
}

/// The values of a few keys for every live example, taken out of the slice index's postings: per
/// key, each example's value numbers (a compressed sparse row by example key) and whether it has
/// the key at all (an empty list has it without a value).
struct IndexedSliceValues {
    private struct Column {
        var name: ExactString
        var values: [String] = []
        /// Example key k's value numbers are `entries[start[k]..<start[k + 1]]`.
        var start: [Int32] = []
        var entries: [Int32] = []
        var present = BitSet()
    }

    private var columns: [Column] = []

    init(_ index: SliceIndex, keys: [String]) {
        let examples = Int(index.live.last ?? 0) + 1
        for name in keys where !columns.contains(where: { $0.name == ExactString(name) }) {
            var column = Column(name: ExactString(name))
            if let key = index.keys[column.name] {  // else no example has it
                column.values = key.values
                column.start = [Int32](repeating: 0, count: examples + 1)
                for postings in key.postings {
                    for example in postings where Int(example) < examples { column.start[Int(example) + 1] += 1 }
                }
                for k in 0..<examples { column.start[k + 1] += column.start[k] }
                column.entries = [Int32](repeating: 0, count: Int(column.start[examples]))
                var next = column.start
                for (value, postings) in key.postings.enumerated() {
                    for example in postings where Int(example) < examples {
                        column.entries[Int(next[Int(example)])] = Int32(value)
                        next[Int(example)] += 1
                        column.present.insert(Int64(example))
                    }
                }
                for example in key.valueless { column.present.insert(Int64(example)) }
            }
            columns.append(column)
        }
    }

    /// Whether some example holds more than one value of `key`.
    func holdsSeveralValues(_ key: String) -> Bool {
        guard let column = columns.first(where: { $0.name == ExactString(key) }) else { return false }
        return zip(column.start, column.start.dropFirst()).contains { $1 - $0 > 1 }
    }

    /// The example's values of the keys, as its record would give them (a key it lacks is absent).
    func values(of example: Int64) -> SliceValues {
        var byKey: [ExactString: [String]] = [:]
        for column in columns where column.present.contains(example) {
            let k = Int(example)
            byKey[column.name] =
                k + 1 < column.start.count ? column.entries[Int(column.start[k])..<Int(column.start[k + 1])].map { column.values[Int($0)] } : []
        }
        return SliceValues(byKey: byKey)
    }
}
