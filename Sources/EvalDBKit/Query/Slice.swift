import Foundation

/// One `--where KEY=VALUE` condition: KEY is a label key or a top-level field. VALUE matches a
/// string equal to it (no pattern, no case folding), a number, boolean or null whose canonical JSON
/// spelling equals it, or a list that holds such a value.
public struct SliceCondition: Sendable, Equatable {
    public enum Match: Sendable, Equatable {
        case equals(String)
        /// A string that starts with this (`--source PREFIX`).
        case prefix(String)
    }

    public var key: String
    public var match: Match

    public init(key: String, match: Match) {
        self.key = key
        self.match = match
    }

    /// `KEY=VALUE`, split at the first `=`.
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "=") else {
            throw EvalDBError.badCondition(text)
        }
        self.init(key: String(text[..<equals]), match: .equals(String(text[text.index(after: equals)...])))
    }

    /// Each condition's key and value when every one names a value of an indexed key (what the
    /// stored index answers without reading a record); nil otherwise.
    static func indexedValues(_ conditions: [SliceCondition]) -> [(key: String, value: String)]? {
        var wanted: [(key: String, value: String)] = []
        for condition in conditions {
            guard SliceIndex.isIndexed(condition.key), case .equals(let value) = condition.match else { return nil }
            wanted.append((condition.key, value))
        }
        return wanted
    }

    func matches(_ values: [String]) -> Bool {
        switch match {
        case .equals(let wanted): values.contains { $0.utf8.elementsEqual(wanted.utf8) }
        case .prefix(let prefix): values.contains { $0.utf8.starts(with: prefix.utf8) }
        }
    }
}

/// An example's values by key, as slicing sees them: each label key and each top-level field,
/// a string as itself, a list as its elements, anything else as its canonical JSON.
struct SliceValues {
    /// Label keys first: a label key hides a top-level field of the same name. Keys are compared
    /// code point by code point.
    private(set) var byKey: [ExactString: [String]] = [:]
    private(set) var id = ""

    /// The values as given (`IndexedSliceValues`).
    init(byKey: [ExactString: [String]]) { self.byKey = byKey }

    init(record: UnsafeBufferPointer<UInt8>) {
        self.init((try? JSONParser.parse(bytes: Array(record))) ?? JSONTape())
    }

    /// The values of a parsed record; a record that is not an object has none.
    init(_ tape: JSONTape) {
        guard tape.nodes.first?.kind == .object else { return }
        var child = 1
        let end = Int(tape.nodes[0].length)
        var labels: Int?
        while child < end {
            let key = child, value = child + 1
            child = tape.next(after: value)
            let name = tape.string(key)
            if name == "labels" && tape.nodes[value].kind == .object { labels = value }
            if name == "id" { id = tape.string(value) }
            byKey[ExactString(name)] = Self.values(tape, value)
        }
        if let labels {
            var member = labels + 1
            let labelsEnd = Int(tape.nodes[labels].length)
            while member < labelsEnd {
                let value = member + 1
                byKey[ExactString(tape.string(member))] = Self.values(tape, value)
                member = tape.next(after: value)
            }
        }
    }

    /// The values of `key`, or nil when the example has no such key.
    subscript(key: String) -> [String]? { byKey[ExactString(key)] }

    /// Gives `key` these values.
    mutating func set(_ key: String, _ values: [String]) { byKey[ExactString(key)] = values }

    /// Every combination of this example's values of `keys`, each value once; nil for a key the
    /// example lacks (a list-valued key gives one combination per value).
    func combinations(of keys: [String]) -> [[String?]] {
        // The usual case, a value or none for each key: one combination, made without the product.
        var single: [String?] = []
        single.reserveCapacity(keys.count)
        for key in keys {
            let values = byKey[ExactString(key)] ?? []
            guard values.count <= 1 else { return product(of: keys) }
            single.append(values.first)
        }
        return [single]
    }

    private func product(of keys: [String]) -> [[String?]] {
        var combinations: [[String?]] = [[]]
        for key in keys {
            var options: [String?] = []
            for value in self[key] ?? [] where !options.contains(where: { $0?.utf8.elementsEqual(value.utf8) ?? false }) {
                options.append(value)
            }
            if options.isEmpty { options = [nil] }
            combinations = combinations.flatMap { prefix in options.map { prefix + [$0] } }
        }
        return combinations
    }

    private static func values(_ tape: JSONTape, _ index: Int) -> [String] {
        switch tape.nodes[index].kind {
        case .string: return [tape.string(index)]
        case .array:
            var result: [String] = []
            var element = index + 1
            while element < Int(tape.nodes[index].length) {
                result.append(values(tape, element).first ?? "")
                element = tape.next(after: element)
            }
            return result
        default:
            var bytes: [UInt8] = []
            CanonicalJSON.write(tape, index, to: &bytes)
            return [String(decoding: bytes, as: UTF8.self)]
        }
    }
}

/// Counts of a slice per combination of values of some keys.
public struct SliceCounts: Sendable {
    public var keys: [String]
    /// Each combination (nil: the example has no such key) and how many examples hold it, most
    /// first, then by values (code point order).
    public var counts: [(values: [String?], count: Int)]

    init(keys: [String], counts: [(values: [String?], count: Int)]) {
        self.keys = keys
        self.counts = counts.sorted { a, b in
            a.count != b.count
                ? a.count > b.count
                : a.values.map { Array(($0 ?? "").utf8) }.lexicographicallyPrecedes(b.values.map { Array(($0 ?? "").utf8) }) {
                    $0.lexicographicallyPrecedes($1)
                }
        }
    }
}

extension Store {
    /// Calls `body` with each example of `version` that matches every condition, as its canonical
    /// line, in the version's line order; with `limit`, with the first `limit` of them, and no record
    /// after the last is read (from the index, only those records are). Throws, listing the keys
    /// that exist, when a condition names a key no example has (unless the limit was reached
    /// first: the keys read by then were enough to match).
    public func slice(
        _ version: DatasetVersion, where conditions: [SliceCondition], limit: Int? = nil,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        try forEachMatch(version, where: conditions, limit: limit) { record, _ in try body(record) }
    }

    /// `slice`, each example given as a listing's row (`SliceRow`): made from the parse that
    /// matched it, so that each record read is parsed once (`recordsParsed`).
    public func sliceRows(
        _ version: DatasetVersion, where conditions: [SliceCondition], limit: Int? = nil,
        _ body: (SliceRow) throws -> Void
    ) throws {
        var tape = JSONTape()
        try forEachMatch(version, where: conditions, limit: limit) { record, parsed in
            if let parsed { return try body(SliceRow(parsed)) }
            parseRecord(record, into: &tape)
            try body(SliceRow(tape))
        }
    }

    /// Parses a record read for a slice into `tape` (emptied when it is not JSON), counted in
    /// `recordsParsed`.
    func parseRecord(_ record: UnsafeBufferPointer<UInt8>, into tape: inout JSONTape) {
        recordsParsed += 1
        if (try? JSONParser.parse(record, into: &tape)) == nil { tape.removeAll() }
    }

    /// The examples that match, as `slice` gives them, each with its parsed record when matching
    /// it needed one (a condition the index did not answer), else nil.
    private func forEachMatch(
        _ version: DatasetVersion, where conditions: [SliceCondition], limit: Int?,
        _ body: (UnsafeBufferPointer<UInt8>, JSONTape?) throws -> Void
    ) throws {
        if let limit, limit <= 0 { return }
        var matched = 0
        func emit(_ record: UnsafeBufferPointer<UInt8>, _ tape: JSONTape?) throws {
            try body(record, tape)
            matched += 1
            if let limit, matched >= limit { throw SliceLimitReached() }
        }
        do {
            if try sliceFromIndex(version, where: conditions, limit: limit, emit) { return }
            var seenKeys = Set<ExactString>()
            var tape = JSONTape()
            try forEachRecord(of: version) { record in
                parseRecord(record, into: &tape)
                let values = SliceValues(tape)
                seenKeys.formUnion(values.byKey.keys)
                if conditions.allSatisfy({ $0.matches(values[$0.key] ?? []) }) { try emit(record, tape) }
            }
            try checkKeys(conditions.map(\.key), exist: seenKeys)
        } catch is SliceLimitReached {
            return
        }
    }

    /// The values of `key` that differ from `wanted` only by case or by one character (a typo's
    /// worth), most held first, at most `limit`: from the slice index of the current version,
    /// each value's text and count read from the key's row, nothing an example. None when the index
    /// cannot say (an older version, a field it does not hold, a wide key): naming them would mean
    /// holding every value of the key, a value an example for some.
    public func values(near wanted: String, key: String, in version: DatasetVersion, limit: Int = 3) throws -> [String] {
        guard SliceIndex.isIndexed(key) else { return [] }
        let lowered = wanted.lowercased()
        let found = try answeringFromStoredIndex(version) { () -> [(value: String, count: Int)]? in
            try? withSliceIndexRows(version, keys: [key]) { _, rows in
                guard let row = rows[0], !SliceIndexCoding.isWide(row) else { return [] }
                var reader = SliceIndexCoding.Reader(row)
                var near: [(value: String, count: Int)] = []
                for _ in 0..<(try reader.number()) {
                    let value = try reader.string()
                    let count = try reader.number()
                    try PostingsCursor.skip(count, in: row, at: &reader.offset)
                    if value != wanted && (value.lowercased() == lowered || EditDistance.between(value, wanted) <= 1) {
                        near.append((value, count))
                    }
                }
                return near
            }
        }
        let ordered = (found ?? []).sorted { a, b in
            a.count != b.count ? a.count > b.count : Array(a.value.utf8).lexicographicallyPrecedes(Array(b.value.utf8))
        }
        return ordered.prefix(limit).map(\.value)
    }

    /// The keys of the examples of `version` that match every condition, in its line order:
    /// from the index alone when it can answer, else from the matching records.
    func sliceKeys(_ version: DatasetVersion, where conditions: [SliceCondition]) throws -> [Int64] {
        if let keys = try withIndexedKeys(version, where: conditions, limit: .max, { $0 }) {
            return keys  // the index's key order is the line order there
        }
        if conditions.allSatisfy({ SliceIndex.isIndexed($0.key) }),
            let index = try sliceIndex(for: version, loading: conditions.map(\.key))
        {
            try checkKeys(conditions.map(\.key), exist: index.existingKeys)
            return try database.readTransaction { try inLineOrder(index.matching(conditions), of: version) }
        }
        let key = try database.prepare("SELECT key FROM stored_examples WHERE id = ?")
        var keys: [Int64] = []
        var tape = JSONTape()
        try slice(version, where: conditions) { record in
            guard (try? JSONParser.parse(record, into: &tape)) != nil, let id = tape.member(0, "id") else { return }
            try key.bind([.text(tape.string(id))])
            if try key.step() { keys.append(key.int(0)) }
            key.reset()
        }
        return keys
    }

    /// `body` given the first `limit` examples matching `conditions` as the index finds them
    /// without decoding it (`firstIndexedKeys`), in the same read transaction; an index behind is
    /// brought up to date first and read as made (`answeringFromStoredIndex`). Nil when a
    /// condition is not on an indexed key or the index cannot answer (the caller takes the
    /// general path).
    private func withIndexedKeys<T>(
        _ version: DatasetVersion, where conditions: [SliceCondition], limit: Int, _ body: ([Int64]) throws -> T
    ) throws -> T? {
        guard conditions.allSatisfy({ SliceIndex.isIndexed($0.key) }) else { return nil }
        return try answeringFromStoredIndex(version) { () -> T? in
            guard let keys = try? firstIndexedKeys(version, where: conditions, limit: limit) else { return nil }
            return try body(keys)
        }
    }

    /// A slice of the current version with a condition on an indexed key: the index gives the
    /// matching examples, and only their records are read. False when the index cannot answer.
    private func sliceFromIndex(
        _ version: DatasetVersion, where conditions: [SliceCondition], limit: Int?,
        _ body: (UnsafeBufferPointer<UInt8>, JSONTape?) throws -> Void
    ) throws -> Bool {
        guard conditions.contains(where: { SliceIndex.isIndexed($0.key) }) else { return false }
        // Every condition on an indexed key: the matches found in the index without decoding it,
        // as far as `limit`, then their records, read once each with a small page cache (not
        // memory-mapped: the pages of a large slice would all count as the process's memory).
        if try withIndexedKeys(version, where: conditions, limit: limit ?? .max, { try forEachHeadRecord($0) { try body($0, nil) } }) != nil {
            return true
        }
        guard let index = try sliceIndex(for: version, loading: conditions.map(\.key)) else { return false }
        try checkKeys(conditions.map(\.key), exist: index.existingKeys)
        let others = conditions.filter { !SliceIndex.isIndexed($0.key) }
        // The records are read once each, with a small page cache (not memory-mapped: the pages
        // of a large slice would all count as the process's memory).
        return try database.scanning {
            try database.readTransaction {
                guard try currentVersion()?.row == index.version else { return false }  // an import came between
                var keys = try inLineOrder(index.matching(conditions), of: version)
                // The index answers every condition: the first `limit` keys are the answer.
                if let limit, others.isEmpty, keys.count > limit { keys.removeSubrange(limit...) }
                var tape = JSONTape()
                try forEachHeadRecord(keys) { record in
                    if others.isEmpty { return try body(record, nil) }
                    parseRecord(record, into: &tape)
                    let values = SliceValues(tape)
                    if others.allSatisfy({ $0.matches(values[$0.key] ?? []) }) { try body(record, tape) }
                }
                return true
            }
        }
    }

    /// The number of matching examples per combination of values of `keys` (a list-valued key counts
    /// an example once under each of its values).
    public func sliceCounts(_ version: DatasetVersion, where conditions: [SliceCondition], countBy keys: [String]) throws -> SliceCounts {
        if let counts = try sliceCountsFromIndex(version, where: conditions, countBy: keys) { return counts }
        var seenKeys = Set<ExactString>()
        // Keyed by UTF-8 bytes: `String` keys would merge canonically equivalent values.
        var counts: [[[UInt8]?]: (values: [String?], count: Int)] = [:]
        try forEachRecord(of: version) { record in
            let values = SliceValues(record: record)
            seenKeys.formUnion(values.byKey.keys)
            guard conditions.allSatisfy({ $0.matches(values[$0.key] ?? []) }) else { return }
            for combination in values.combinations(of: keys) {
                counts[combination.map { $0.map { Array($0.utf8) } }, default: (combination, 0)].count += 1
            }
        }
        try checkKeys(conditions.map(\.key) + keys, exist: seenKeys)
        return SliceCounts(keys: keys, counts: Array(counts.values))
    }

    /// Counts from the index, when every key is indexed and the version is the current one.
    private func sliceCountsFromIndex(
        _ version: DatasetVersion, where conditions: [SliceCondition],
        countBy keys: [String]
    ) throws -> SliceCounts? {
        // Counted from the index where it is, without decoding it (`sliceCountsFromStoredIndex`),
        // brought up to date first when behind.
        if let counts = try answeringFromStoredIndex(version, { try? sliceCountsFromStoredIndex(version, where: conditions, countBy: keys) }) {
            return counts
        }
        let named = conditions.map(\.key) + keys
        guard named.allSatisfy(SliceIndex.isIndexed), let index = try sliceIndex(for: version, loading: named) else { return nil }
        try checkKeys(named, exist: index.existingKeys)
        let columns = keys.map { index.keys[ExactString($0)] ?? KeyPostings() }
        let codes = columns.map { SliceIndex.ValueCodes($0, size: index.exampleKeyLimit, codes: $0.values.count, numbering: { Int32($0) }) }
        let counted = SliceIndex.countCombinations(of: index.matching(conditions), codes, radices: columns.map(\.values.count))
        return SliceCounts(
            keys: keys,
            counts: counted.map { combination in
                (
                    values: zip(combination.codes, columns).map { code, column in code < 0 ? nil : column.values[Int(code)] },
                    count: combination.count
                )
            })
    }

    /// Throws `EvalDBError.unknownKeys` when a key of `keys` is held by none of the examples.
    func checkKeys(_ keys: [String], heldBy values: [Int64: SliceValues]) throws {
        guard !keys.isEmpty else { return }
        var exist = Set<ExactString>()
        for example in values.values { exist.formUnion(example.byKey.keys) }
        try checkKeys(keys, exist: exist)
    }

    /// Throws `EvalDBError.unknownKeys` when a key of `keys` is not in `exist`.
    func checkKeys(_ keys: [String], exist: Set<ExactString>) throws {
        let unknown = keys.filter { !exist.contains(ExactString($0)) }
        guard unknown.isEmpty else {
            let existing = exist.sorted(by: ExactString.precedes).map(\.string)
            throw EvalDBError.unknownKeys(unknown, existing: existing)
        }
    }

    /// The values of each example in `keys` as of `version` (its latest revision at or before it).
    func sliceValues(of keys: [Int64], at version: Int) throws -> [Int64: SliceValues] {
        let record = try database.prepare(StorageModel.recordAtVersion)
        var result: [Int64: SliceValues] = [:]
        for key in keys {
            try record.bind([.int(key), .int(Int64(version))])
            let text = try record.step() ? record.optionalText(0) ?? "{}" : "{}"
            record.reset()
            result[key] = Array(text.utf8).withUnsafeBufferPointer { SliceValues(record: $0) }
        }
        return result
    }

    /// The values of `name` in example `key`'s record at `version`, in the record's order; nil
    /// when it lacks the key or has no record then.
    func sliceValue(_ name: String, of key: Int64, at version: Int) throws -> [String]? {
        let record = try database.cachedStatement(StorageModel.recordAtVersion)
        try record.bind([.int(key), .int(Int64(version))])
        guard try record.step(), !record.isNull(0) else { return nil }
        return SliceValues(record: record.bytes(0).bindMemory(to: UInt8.self))[name]
    }
}

/// Unwinds a slice's reading once its limit is reached.
private struct SliceLimitReached: Error {}
