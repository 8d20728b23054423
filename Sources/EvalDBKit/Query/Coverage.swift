import Foundation

/// The axes of the recipe's grid (`evals/axes.json`): each a label key and its values, in order.
public struct Axes: Sendable {
    public var axes: [(key: String, values: [String])]

    /// Reads `{"feature": [...], "scenario": [...], ...}`, keeping the file's order of keys.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalDBError.cannotRead(path: path, reason: "no such file")
        }
        let tape: JSONTape
        do {
            tape = try JSONParser.parse(bytes: Array(data))
        } catch {
            throw EvalDBError.invalidData(
                errors: [DataError(file: path, line: 1, column: error.offset + 1, message: error.message)],
                truncated: false)
        }
        guard tape.nodes[0].kind == .object else {
            throw EvalDBError.invalidAxes(path: path, reason: "the axes file must be an object of label keys to lists of values")
        }
        axes = []
        for (key, value) in tape.members(0) {
            guard tape.nodes[value].kind == .array, tape.elements(value).allSatisfy({ tape.nodes[$0].kind == .string }) else {
                throw EvalDBError.invalidAxes(path: path, reason: "axis \(quoted(tape.string(key))) must be a list of strings")
            }
            axes.append((tape.string(key), tape.elements(value).map { tape.string($0) }))
        }
        guard !axes.isEmpty else { throw EvalDBError.invalidAxes(path: path, reason: "the axes file names no axis") }
    }
}

/// `coverage`: how many examples fill each cell of the axes grid, and the label values found in
/// the data that the axes do not list.
public struct Coverage: Sendable {
    public struct Cell: Sendable {
        public var values: [String]
        public var count: Int
    }

    public struct StrayValue: Sendable {
        public var key: String
        public var value: String
        /// How many examples carry it.
        public var count: Int
        /// Their ids (the first `idLimit` of them).
        public var ids: [String]
    }

    public var axes: [(key: String, values: [String])]
    /// Every cell, in the axes' order (the last axis varies fastest).
    public var cells: [Cell]
    /// Values of an axis key that the axes file does not list (typos, mostly), with the ids that carry them.
    public var stray: [StrayValue]
    /// Examples that lack one of the axis keys: how many, and their ids (the first `idLimit`).
    public var missingAxis: [(key: String, count: Int, ids: [String])]

    public var emptyCells: [Cell] { cells.filter { $0.count == 0 } }
    public func cells(under minimum: Int) -> [Cell] { cells.filter { $0.count < minimum } }
    public var coveredShare: Double { cells.isEmpty ? 0 : Double(cells.count - emptyCells.count) / Double(cells.count) }
}

extension Store {
    /// `idLimit`: list at most this many ids of each stray value and missing key (nil: all).
    public func coverage(_ version: DatasetVersion, axes: Axes, idLimit: Int? = nil) throws -> Coverage {
        let limit = idLimit ?? .max
        if let coverage = try coverageFromIndex(version, axes: axes, idLimit: limit) { return coverage }
        // Values are compared as UTF-8 bytes: `String` would merge canonically equivalent ones.
        var counts: [[[UInt8]]: Int] = [:]
        var stray: [[UInt8]: [[UInt8]: (value: String, ids: [String])]] = [:]
        var missing: [[UInt8]: [String]] = [:]
        let known = axes.axes.map { Set($0.values.map { Array($0.utf8) }) }
        try forEachRecord(of: version) { record in
            let values = SliceValues(record: record)
            var combinations: [[[UInt8]]] = [[]]
            for (index, axis) in axes.axes.enumerated() {
                guard let found = values[axis.key], !found.isEmpty else {
                    missing[Array(axis.key.utf8), default: []].append(values.id)
                    combinations = []
                    continue
                }
                var seen: Set<[UInt8]> = []
                var listed: [[UInt8]] = []
                for value in found where seen.insert(Array(value.utf8)).inserted {
                    if known[index].contains(Array(value.utf8)) {
                        listed.append(Array(value.utf8))
                    } else {
                        stray[Array(axis.key.utf8), default: [:]][Array(value.utf8), default: (value, [])].ids.append(values.id)
                    }
                }
                combinations = combinations.flatMap { prefix in listed.map { prefix + [$0] } }
            }
            for combination in combinations { counts[combination, default: 0] += 1 }
        }
        var cells: [[String]] = [[]]
        for axis in axes.axes { cells = cells.flatMap { prefix in axis.values.map { prefix + [$0] } } }
        func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }
        return Coverage(
            axes: axes.axes,
            cells: cells.map { Coverage.Cell(values: $0, count: counts[$0.map { Array($0.utf8) }] ?? 0) },
            stray: stray.sorted { precedes($0.key, $1.key) }.flatMap { key, values in
                values.sorted { precedes($0.key, $1.key) }.map {
                    Coverage.StrayValue(
                        key: String(decoding: key, as: UTF8.self), value: $0.value.value,
                        count: $0.value.ids.count, ids: Array($0.value.ids.prefix(limit)))
                }
            },
            missingAxis: missing.sorted { precedes($0.key, $1.key) }.map {
                (String(decoding: $0.key, as: UTF8.self), $0.value.count, Array($0.value.prefix(limit)))
            })
    }

    /// Coverage from the slice index where it is, nothing decoded (`withSliceIndexRows`), when
    /// every axis key is indexed and the version is current: each axis key's values read from its
    /// row as the live examples are counted (`StoredValueCodes`), its holders gathered in a bit
    /// set. Ten million examples take the rows and a bit an example, not their postings.
    private func coverageFromIndex(_ version: DatasetVersion, axes: Axes, idLimit limit: Int) throws -> Coverage? {
        let names = axes.axes.map(\.key)
        guard names.allSatisfy(SliceIndex.isIndexed) else { return nil }
        let found = try answeringFromStoredIndex(version) {
            try? withSliceIndexRows(version, keys: names) { live, rows in try coverageParts(axes, live: live, rows: rows, idLimit: limit) }
        }
        guard let (counts, stray, missing) = found else { return nil }
        var cells: [[Int32]] = [[]]
        for axis in axes.axes {
            // A value listed twice counts under its first place (as the listing above numbers it).
            let firsts = axis.values.indices.map { number in Int32(axis.values.firstIndex { $0.utf8.elementsEqual(axis.values[number].utf8) }!) }
            cells = cells.flatMap { prefix in firsts.map { prefix + [$0] } }
        }
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        return Coverage(
            axes: axes.axes,
            cells: cells.map { cell in
                Coverage.Cell(values: zip(cell, axes.axes).map { $1.values[Int($0)] }, count: counts[cell] ?? 0)
            },
            stray: stray.sorted { a, b in
                bytes(a.key) != bytes(b.key)
                    ? bytes(a.key).lexicographicallyPrecedes(bytes(b.key)) : bytes(a.value).lexicographicallyPrecedes(bytes(b.value))
            },
            missingAxis: missing.sorted { bytes($0.key).lexicographicallyPrecedes(bytes($1.key)) })
    }

    /// The cells' counts (by axis value numbers), stray values and examples missing an axis key,
    /// from the live examples and each axis key's row (nil: no example has it).
    private func coverageParts(
        _ axes: Axes, live: UnsafeRawBufferPointer, rows: [UnsafeRawBufferPointer?], idLimit limit: Int
    ) throws -> (counts: [[Int32]: Int], stray: [Coverage.StrayValue], missing: [(key: String, count: Int, ids: [String])]) {
        var columns: [StoredValueCodes] = []
        var numbers: [[Int32?]] = []
        var stray: [Coverage.StrayValue] = []
        var missing: [(key: String, count: Int, ids: [String])] = []
        for (axis, row) in zip(axes.axes, rows) {
            var listed: [[UInt8]: Int32] = [:]
            for (number, value) in axis.values.enumerated() where listed[Array(value.utf8)] == nil {
                listed[Array(value.utf8)] = Int32(number)
            }
            let column = try row.map(StoredValueCodes.init(row:)) ?? StoredValueCodes()  // nil: no example has the key
            let axisNumbers = column.values.map { listed[Array($0.utf8)] }
            numbers.append(axisNumbers)
            // Each value's holders; a value the axis does not list is stray.
            var holders = BitSet()
            for (number, value) in column.values.enumerated() {
                var postings = column.postings(ofValue: number)
                var count = 0
                var first: Postings = []
                while let example = try postings.next() {
                    holders.insert(Int64(example))
                    count += 1
                    if first.count < limit { first.append(example) }
                }
                if axisNumbers[number] == nil && count > 0 {
                    stray.append(Coverage.StrayValue(key: axis.key, value: value, count: count, ids: try ids(of: first)))
                }
            }
            var examples = try PostingsCursor(postings: live)
            var count = 0
            var without: Postings = []
            while let example = try examples.next() {
                guard !holders.contains(Int64(example)) else { continue }
                count += 1
                if without.count < limit { without.append(example) }
            }
            if count > 0 { missing.append((axis.key, count, try ids(of: without))) }
            columns.append(column)
        }
        // The examples' listed values, counted by combination; a combination with a key none of
        // whose values is listed is no cell.
        var codes: [Int32] = []
        var examples = try PostingsCursor(postings: live)
        var counts: [[Int32]: Int] = [:]
        let counted = try SliceIndex.countCombinations(next: { try examples.next() }, keys: columns.count, radices: axes.axes.map(\.values.count)) {
            k, example, into in
            try columns[k].codes(of: example, into: &codes)
            into.removeAll(keepingCapacity: true)
            for code in codes { if let number = numbers[k][Int(code)] { into.append(number) } }
        }
        for combination in counted where !combination.codes.contains(-1) { counts[combination.codes] = combination.count }
        return (counts, stray, missing)
    }
}
