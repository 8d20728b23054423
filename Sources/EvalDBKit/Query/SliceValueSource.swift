/// The slice values of examples at a version, for grouping their results (`report`, `compare`,
/// `trend`): from the slice index when the version is the current one and every key is indexed,
/// read as the examples are asked about in ascending key order (`SliceValueStream`: no record
/// read, no list of the examples held), else parsed from each example's record at the version.
struct SliceValueSource {
    private let store: Store
    private let version: Int
    /// The values from the index; nil: from the records.
    let stream: SliceValueStream?
    /// Every key some live example has, when the values come from the index.
    private let existingKeys: Set<ExactString>?
    /// A key whose first value the caller reads, and its column in `stream`.
    private let firstValueOf: (key: String, column: Int)?

    /// `keys`: the keys the caller groups by. `firstValueOf`: a key whose first value the caller
    /// reads (a cluster key): the index does not keep a list's order, so an example holding
    /// several values of it has them read from its record.
    init(_ store: Store, keys: [String], version: Int, firstValueOf: String? = nil) throws {
        self.store = store
        self.version = version
        var stream: SliceValueStream?
        var existingKeys: Set<ExactString>?
        if !keys.isEmpty, keys.allSatisfy(SliceIndex.isIndexed), try store.currentVersion()?.row == version,
            let current = try Self.fromIndex(store, keys), current.version == version
        {
            stream = current.stream
            existingKeys = current.existingKeys
        }
        self.stream = stream
        self.existingKeys = existingKeys
        self.firstValueOf = firstValueOf.flatMap { key in stream?.names.firstIndex(of: ExactString(key)).map { (key, $0) } }
    }

    /// The index's stream of `keys`; nil when one of them is wide (its values are the records').
    private static func fromIndex(
        _ store: Store, _ keys: [String]
    ) throws -> (stream: SliceValueStream, version: Int, existingKeys: Set<ExactString>)? {
        do {
            return try store.currentSliceValueStream(keys)
        } catch is SliceIndexCoding.WideKey {
            return nil
        }
    }

    /// Whether the values come from the slice index.
    var usesIndex: Bool { stream != nil }

    /// The values of each example in `examples` (from the index: in ascending key order, each at
    /// most once).
    func values(of examples: [Int64]) throws -> [Int64: SliceValues] {
        guard let stream else { return try store.sliceValues(of: examples, at: version) }
        var result: [Int64: SliceValues] = [:]
        result.reserveCapacity(examples.count)
        for example in examples {
            try stream.move(to: example)
            result[example] = try streamedValues(of: example)
        }
        return result
    }

    /// The values of `example` from the index, once `stream` has moved to it; a cluster key's
    /// several values in their record's order.
    func streamedValues(of example: Int64) throws -> SliceValues {
        guard let stream else { return SliceValues(byKey: [:]) }
        var values = stream.sliceValues
        if let (key, column) = firstValueOf, stream.numbers[column].count > 1, let listed = try store.sliceValue(key, of: example, at: version) {
            values.set(key, listed)
        }
        return values
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
