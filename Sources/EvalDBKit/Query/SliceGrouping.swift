/// Examples grouped by their combinations of the values of some keys (`report`, `compare`,
/// `trend`): each group a number, its values kept once. When the values come from the slice index
/// (`SliceValueStream`), an example holding at most one value of each key has its one combination
/// found as a number (its keys' value numbers in a mixed radix of the keys' value counts + 1; no
/// string made, no dictionary of values); otherwise its values are looked up
/// (`SliceValueSource.values`) and its combinations made from them (`SliceValues.combinations`: a
/// list-valued key gives one per value). Both ways give the same groups
/// (SliceIndexTests.runsGroupedBySliceAsTheModel). With `remembering`, an example's groups, once
/// found, are kept by example key: `trend` asks one grouping about every run of a version, and
/// each run after the first is array reads.
final class SliceGrouping {
    /// The keys grouped by, in the order of each group's values.
    let keys: [String]
    /// Group number → its values (nil for a key the examples lack).
    private(set) var combinations: [[String?]] = []
    private let source: SliceValueSource
    /// Each grouping key's column in the source's stream and its weight in a combination's code;
    /// nil when the values are not numbered (not from the index, read by the caller, or codes
    /// that would not fit in an `Int`).
    private let coding: [(column: Int, weight: Int)]?
    private var groupOfCode: [Int: Int] = [:]
    private var groupOfValues: [SliceCombination: Int] = [:]
    private var heldKeys: HeldKeys
    private var groups: [Int] = []
    private let remembering: Bool
    /// By example key: its one group, or -1 when not known yet (or when it falls in several).
    private var known: [Int32] = []
    /// The groups of examples that fall in several (a list-valued key), up to `severalCapacity`
    /// examples: beyond it they are looked up again each time, so memory stays bounded.
    private var knownSeveral: [Int64: [Int]] = [:]
    static let severalCapacity = 100_000
    private let readingValues: Bool

    /// `wanted`: every key the caller asks about (the grouping keys and a cluster key), checked by
    /// `checkKeys`. `readingValues`: the caller reads each example's values (a cluster key's first
    /// value), so they are looked up for every example and handed to it. `remembering`: each
    /// example's groups are kept for the next run asked about (`trend`).
    init(_ source: SliceValueSource, keys: [String], wanted: [String], readingValues: Bool, remembering: Bool = false) {
        self.keys = keys
        self.source = source
        self.heldKeys = HeldKeys(wanted: wanted)
        self.readingValues = readingValues
        self.remembering = remembering && !readingValues
        var coding: [(column: Int, weight: Int)]?
        if !readingValues, !keys.isEmpty, let stream = source.stream {
            coding = []
            var weight = 1
            for key in keys {
                guard let column = stream.names.firstIndex(of: ExactString(key)) else {
                    coding = nil
                    break
                }
                coding?.append((column, weight))
                let (product, overflow) = weight.multipliedReportingOverflow(by: stream.values[column].count + 1)
                if overflow {
                    coding = nil
                    break
                }
                weight = product
            }
        }
        self.coding = coding
    }

    /// Calls `body` once for each of `examples` (ascending keys: the values from the index are
    /// read in key order), not in their order: its position in `examples`, its values when they
    /// were looked up (nil when the index numbered its combination, or when the example has none at
    /// the source's version) and the numbers of the groups it falls in.
    func visit(_ examples: [Int64], _ body: (_ position: Int, _ values: SliceValues?, _ groups: [Int]) throws -> Void) throws {
        // The examples whose values are made into combinations, after the numbered ones: their
        // values from the index (read in key order, as they come) or nil, to be read from the records.
        var unread: [(position: Int, values: SliceValues?)] = []
        for (position, example) in examples.enumerated() {
            if remembering, example < known.count, known[Int(example)] >= 0 {
                groups.removeAll(keepingCapacity: true)
                groups.append(Int(known[Int(example)]))
                try body(position, nil, groups)
                continue
            }
            if remembering, let several = knownSeveral[example] {
                try body(position, nil, several)
                continue
            }
            guard let stream = source.stream else {
                unread.append((position, nil))
                continue
            }
            try stream.move(to: example)
            if let code = code(stream) {
                if !heldKeys.isComplete { heldKeys.add(stream.names.indices.filter { stream.present[$0] }.map { stream.names[$0] }) }
                let group = groupOfCode[code] ?? numbered(code)
                remember(example, group)
                groups.removeAll(keepingCapacity: true)
                groups.append(group)
                try body(position, nil, groups)
            } else {
                unread.append((position, try source.streamedValues(of: example)))
            }
        }
        guard !unread.isEmpty else { return }
        let toRead = unread.filter { $0.values == nil }.map { examples[$0.position] }
        let read = toRead.isEmpty ? [:] : try source.values(of: toRead)
        for (position, given) in unread {
            guard let values = given ?? read[examples[position]] else {
                try body(position, nil, [])
                continue
            }
            heldKeys.add(values)
            groups.removeAll(keepingCapacity: true)
            if !keys.isEmpty {
                for combination in values.combinations(of: keys) { groups.append(group(of: combination)) }
            }
            if groups.count == 1 {
                remember(examples[position], groups[0])
            } else if groups.count > 1 && remembering && knownSeveral.count < Self.severalCapacity {
                knownSeveral[examples[position]] = groups
            }
            try body(position, values, groups)
        }
    }

    /// The number of the example's one combination (`stream` moved to it); nil when it holds
    /// several values of a key, or when the values are not numbered.
    private func code(_ stream: SliceValueStream) -> Int? {
        guard let coding else { return nil }
        var code = 0
        for (column, weight) in coding {
            let numbers = stream.numbers[column]
            guard numbers.count <= 1 else { return nil }
            if let number = numbers.first { code += (Int(number) + 1) * weight }
        }
        return code
    }

    /// The values of a code's combination, in the order of the keys.
    private func combination(_ code: Int) -> [String?] {
        guard let coding, let stream = source.stream else { return [] }
        return coding.map { column, weight in
            let values = stream.values[column]
            let digit = code / weight % (values.count + 1)
            return digit == 0 ? nil : values[digit - 1]
        }
    }

    private func remember(_ example: Int64, _ group: Int) {
        guard remembering, example >= 0, group < Int32.max else { return }
        if example >= known.count { known.append(contentsOf: repeatElement(-1, count: max(Int(example) + 1, 2 * known.count) - known.count)) }
        known[Int(example)] = Int32(group)
    }

    /// Throws `EvalDBError.unknownKeys` when a key asked about is held by none of the examples visited.
    func checkKeys() throws {
        try source.checkKeys(heldKeys.wanted.map(\.string), held: heldKeys.keys)
    }

    private func numbered(_ code: Int) -> Int {
        let group = group(of: combination(code))
        groupOfCode[code] = group
        return group
    }

    private func group(of combination: [String?]) -> Int {
        let key = SliceCombination(combination)
        if let group = groupOfValues[key] { return group }
        combinations.append(combination)
        groupOfValues[key] = combinations.count - 1
        return combinations.count - 1
    }
}
