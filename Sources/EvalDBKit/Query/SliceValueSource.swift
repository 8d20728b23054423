/// The slice values of examples at a version, for grouping their results (`report`, `compare`):
/// from the slice index when the version is the current one and every key is indexed (a few
/// arrays by example key, no record read), else parsed from each example's record at the version.
struct SliceValueSource {
    private let store: Store
    private let version: Int
    private let indexed: IndexedSliceValues?
    /// Every key some live example has, when the values come from the index.
    private let existingKeys: Set<ExactString>?

    /// `keys`: the keys the caller groups by. `firstValueOf`: a key whose first value the caller
    /// reads (a cluster key): the index does not keep a list's order, so the records are read when
    /// some example holds several values of it.
    init(_ store: Store, keys: [String], version: Int, firstValueOf: String? = nil) throws {
        self.store = store
        self.version = version
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

    /// Numbers for the combinations of `keys`' values, when the values come from the slice index.
    func combinationCoder(_ keys: [String]) -> SliceCombinationCoder? {
        indexed.flatMap { SliceCombinationCoder($0, keys: keys) }
    }

    /// The values of each example in `examples`.
    func values(of examples: [Int64]) throws -> [Int64: SliceValues] {
        guard let indexed else { return try store.sliceValues(of: examples, at: version) }
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
    let wanted: [ExactString]
    private(set) var isComplete = false

    init(wanted: [String]) { self.wanted = wanted.map(ExactString.init) }

    mutating func add(_ values: SliceValues) { add(values.byKey.keys) }

    mutating func add<Keys: Sequence<ExactString>>(_ held: Keys) {
        guard !isComplete else { return }
        keys.formUnion(held)
        isComplete = wanted.allSatisfy(keys.contains)
    }
}

/// The values of a few keys for every live example, taken out of the slice index's postings: per
/// key, each example's value numbers (a compressed sparse row by example key) and whether it has
/// the key at all (an empty list has it without a value).
struct IndexedSliceValues {
    fileprivate struct Column {
        var name: ExactString
        var values: [String] = []
        /// Example key k's value numbers are `entries[start[k]..<start[k + 1]]`.
        var start: [Int32] = []
        var entries: [Int32] = []
        var present = BitSet()
    }

    fileprivate private(set) var columns: [Column] = []

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

/// An example's one combination of some keys' values as a number, from the slice index: each
/// key's digit is its value number + 1 (0: the example lacks the key or holds an empty list), in a
/// mixed radix of the keys' value counts + 1. nil for an example holding several values of a key
/// (its combinations are made from its values instead).
struct SliceCombinationCoder {
    private let columns: [(values: [String], weight: Int)]
    private let names: [ExactString]
    /// By example key: its code, or -1 when it holds several values of a key.
    private let codes: [Int]
    private let present: [BitSet]

    /// nil when the codes of every combination would not fit in an `Int`.
    init?(_ indexed: IndexedSliceValues, keys: [String]) {
        var chosen: [IndexedSliceValues.Column] = []
        var columns: [(values: [String], weight: Int)] = []
        var weight = 1
        for key in keys {
            guard let column = indexed.columns.first(where: { $0.name == ExactString(key) }) else { return nil }
            chosen.append(column)
            columns.append((column.values, weight))
            let (product, overflow) = weight.multipliedReportingOverflow(by: column.values.count + 1)
            if overflow { return nil }
            weight = product
        }
        let examples = chosen.map { max(0, $0.start.count - 1) }.max() ?? 0
        var codes = [Int](repeating: 0, count: examples)
        for (column, (_, weight)) in zip(chosen, columns) {
            column.start.withUnsafeBufferPointer { start in
                column.entries.withUnsafeBufferPointer { entries in
                    for k in 0..<max(0, start.count - 1) where codes[k] >= 0 {
                        switch start[k + 1] - start[k] {
                        case 0: break
                        case 1: codes[k] += (Int(entries[Int(start[k])]) + 1) * weight
                        default: codes[k] = -1
                        }
                    }
                }
            }
        }
        self.columns = columns
        self.names = chosen.map(\.name)
        self.present = chosen.map(\.present)
        self.codes = codes
    }

    /// nil when the example holds several values of a key.
    func code(of example: Int64) -> Int? {
        guard example >= 0, example < codes.count else { return 0 }  // no value of any key
        let code = codes[Int(example)]
        return code < 0 ? nil : code
    }

    /// The values of a code's combination, in the order of the keys.
    func combination(_ code: Int) -> [String?] {
        columns.map { values, weight in
            let digit = code / weight % (values.count + 1)
            return digit == 0 ? nil : values[digit - 1]
        }
    }

    /// The keys asked about that the example holds (an empty list counts).
    func keysHeld(by example: Int64) -> [ExactString] {
        zip(names, present).compactMap { name, present in present.contains(example) ? name : nil }
    }
}
