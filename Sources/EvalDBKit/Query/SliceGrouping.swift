/// Examples grouped by their combinations of the values of some keys (`report`, `compare`,
/// `trend`): each group a number, its values kept once. When the values come from the slice index,
/// an example holding at most one value of each key has its one combination found as a number
/// (`SliceCombinationCoder`: its keys' value numbers, no string made, no dictionary of values);
/// otherwise its values are looked up (`SliceValueSource.values`) and its combinations made from them
/// (`SliceValues.combinations`: a list-valued key gives one per value). Both ways give the same
/// groups (SliceIndexTests.runsGroupedBySliceAsTheModel). An example's groups, once found, are kept by example key: `trend`
/// asks one grouping about every run of a version, and each run after the first is array reads.
final class SliceGrouping {
    /// The keys grouped by, in the order of each group's values.
    let keys: [String]
    /// Group number → its values (nil for a key the examples lack).
    private(set) var combinations: [[String?]] = []
    private let source: SliceValueSource
    private let coder: SliceCombinationCoder?
    private var groupOfCode: [Int: Int] = [:]
    private var groupOfValues: [SliceCombination: Int] = [:]
    private var heldKeys: HeldKeys
    private var groups: [Int] = []
    /// By example key: its one group, or -1 when not known yet (or when it falls in several).
    private var known: [Int32] = []
    /// The groups of examples that fall in several (a list-valued key), up to `severalCapacity`
    /// examples: beyond it they are looked up again each time, so memory stays bounded.
    private var knownSeveral: [Int64: [Int]] = [:]
    static let severalCapacity = 100_000
    private let readingValues: Bool

    /// `wanted`: every key the caller asks about (the grouping keys and a cluster key), checked by
    /// `checkKeys`. `readingValues`: the caller reads each example's values (a cluster key's first
    /// value), so they are looked up for every example and handed to it.
    init(_ source: SliceValueSource, keys: [String], wanted: [String], readingValues: Bool) {
        self.keys = keys
        self.source = source
        self.coder = readingValues || keys.isEmpty ? nil : source.combinationCoder(keys)
        self.heldKeys = HeldKeys(wanted: wanted)
        self.readingValues = readingValues
    }

    /// Calls `body` once for each of `examples` (not in their order): its position in `examples`,
    /// its values when they were looked up (nil when the index numbered its combination, or when
    /// the example has none at the source's version) and the numbers of the groups it falls in.
    func visit(_ examples: [Int64], _ body: (_ position: Int, _ values: SliceValues?, _ groups: [Int]) throws -> Void) throws {
        var unread: [Int] = []
        for (position, example) in examples.enumerated() {
            if !readingValues, example < known.count, known[Int(example)] >= 0 {
                groups.removeAll(keepingCapacity: true)
                groups.append(Int(known[Int(example)]))
                try body(position, nil, groups)
            } else if !readingValues, let several = knownSeveral[example] {
                try body(position, nil, several)
            } else if let coder, let code = coder.code(of: example) {
                if !heldKeys.isComplete { heldKeys.add(coder.keysHeld(by: example)) }
                let group = groupOfCode[code] ?? numbered(code)
                remember(example, group)
                groups.removeAll(keepingCapacity: true)
                groups.append(group)
                try body(position, nil, groups)
            } else {
                unread.append(position)
            }
        }
        guard !unread.isEmpty else { return }
        let valuesOf = try source.values(of: unread.map { examples[$0] })
        for position in unread {
            guard let values = valuesOf[examples[position]] else {
                try body(position, nil, [])
                continue
            }
            heldKeys.add(values)
            groups.removeAll(keepingCapacity: true)
            if !keys.isEmpty {
                for combination in values.combinations(of: keys) { groups.append(group(of: combination)) }
            }
            if groups.count == 1 && !readingValues {
                remember(examples[position], groups[0])
            } else if groups.count > 1 && !readingValues && knownSeveral.count < Self.severalCapacity {
                knownSeveral[examples[position]] = groups
            }
            try body(position, values, groups)
        }
    }

    private func remember(_ example: Int64, _ group: Int) {
        guard example >= 0, group < Int32.max else { return }
        if example >= known.count { known.append(contentsOf: repeatElement(-1, count: max(Int(example) + 1, 2 * known.count) - known.count)) }
        known[Int(example)] = Int32(group)
    }

    /// Throws `EvalDBError.unknownKeys` when a key asked about is held by none of the examples visited.
    func checkKeys() throws {
        try source.checkKeys(heldKeys.wanted.map(\.string), held: heldKeys.keys)
    }

    private func numbered(_ code: Int) -> Int {
        let group = group(of: coder!.combination(code))
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
