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
            throw EvalDBError.invalidData(errors: [DataError(file: path, line: 1, column: error.offset + 1, message: error.message)],
                                          truncated: false)
        }
        guard tape.nodes[0].kind == .object else {
            throw EvalDBError.usage("\(path): the axes file must be an object of label keys to lists of values")
        }
        axes = []
        for (key, value) in tape.members(0) {
            guard tape.nodes[value].kind == .array, tape.elements(value).allSatisfy({ tape.nodes[$0].kind == .string }) else {
                throw EvalDBError.usage("\(path): axis \(quoted(tape.string(key))) must be a list of strings")
            }
            axes.append((tape.string(key), tape.elements(value).map { tape.string($0) }))
        }
        guard !axes.isEmpty else { throw EvalDBError.usage("\(path): the axes file names no axis") }
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
        public var ids: [String]
    }

    public var axes: [(key: String, values: [String])]
    /// Every cell, in the axes' order (the last axis varies fastest).
    public var cells: [Cell]
    /// Values of an axis key that the axes file does not list (typos, mostly), with the ids that carry them.
    public var stray: [StrayValue]
    /// Examples that lack one of the axis keys.
    public var missingAxis: [(key: String, ids: [String])]

    public var emptyCells: [Cell] { cells.filter { $0.count == 0 } }
    public func cells(under minimum: Int) -> [Cell] { cells.filter { $0.count < minimum } }
    public var coveredShare: Double { cells.isEmpty ? 0 : Double(cells.count - emptyCells.count) / Double(cells.count) }
}

extension Store {
    public func coverage(_ version: DatasetVersion, axes: Axes) throws -> Coverage {
        var counts: [[String]: Int] = [:]
        var stray: [String: [String: [String]]] = [:]
        var missing: [String: [String]] = [:]
        let known = axes.axes.map { Set($0.values) }
        try forEachCurrentRecord(of: version) { record in
            let values = SliceValues(record: record)
            var combinations: [[String]] = [[]]
            for (index, axis) in axes.axes.enumerated() {
                guard let found = values.byKey[axis.key], !found.isEmpty else {
                    missing[axis.key, default: []].append(values.id)
                    combinations = []
                    continue
                }
                var listed: [String] = []
                for value in found where !listed.contains(value) {
                    if known[index].contains(value) {
                        listed.append(value)
                    } else {
                        stray[axis.key, default: [:]][value, default: []].append(values.id)
                    }
                }
                combinations = combinations.flatMap { prefix in listed.map { prefix + [$0] } }
            }
            for combination in combinations { counts[combination, default: 0] += 1 }
        }
        var cells: [[String]] = [[]]
        for axis in axes.axes { cells = cells.flatMap { prefix in axis.values.map { prefix + [$0] } } }
        return Coverage(
            axes: axes.axes,
            cells: cells.map { Coverage.Cell(values: $0, count: counts[$0] ?? 0) },
            stray: stray.sorted { $0.key < $1.key }.flatMap { key, values in
                values.sorted { $0.key < $1.key }.map { Coverage.StrayValue(key: key, value: $0.key, ids: $0.value) }
            },
            missingAxis: missing.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}
