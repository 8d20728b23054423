import Foundation

/// A record seen as named values: its top-level fields and, for `labels`, each label key on its
/// own (`labels.feature`, `labels.tags`), each value as canonical JSON. The unit that `log`,
/// `blame` and `diff` speak of.
public struct RecordFields: Sendable, Equatable {
    /// (path, canonical JSON of the value), in code point order of the path.
    public private(set) var values: [(path: String, value: String)]

    public static func == (a: RecordFields, b: RecordFields) -> Bool {
        a.values.count == b.values.count && zip(a.values, b.values).allSatisfy { $0.path == $1.path && $0.value == $1.value }
    }

    /// The fields of a canonical record; a record that does not parse as an object has none.
    public init(record: String) {
        values = []
        guard let tape = try? JSONParser.parse(record), tape.nodes.first?.kind == .object else { return }
        let root = tape.nodes[0]
        for k in 0..<Int(root.start) / 2 {
            let key = Int(tape.sortedKeys[Int(root.sorted) + k])
            let name = tape.string(key)
            let value = key + 1
            if name == "labels" && tape.nodes[value].kind == .object {
                let labels = tape.nodes[value]
                for l in 0..<Int(labels.start) / 2 {
                    let labelKey = Int(tape.sortedKeys[Int(labels.sorted) + l])
                    values.append(("labels." + tape.string(labelKey), Self.canonical(tape, labelKey + 1)))
                }
            } else {
                values.append((name, Self.canonical(tape, value)))
            }
        }
    }

    /// The value at `path`, or nil.
    public subscript(path: String) -> String? {
        values.first { $0.path.utf8.elementsEqual(path.utf8) }?.value
    }

    /// The text of the string value at `path`; nil when there is none or it is not a string.
    public func text(_ path: String) -> String? {
        guard let value = self[path], let tape = try? JSONParser.parse(value), tape.nodes[0].kind == .string else { return nil }
        return tape.string(0)
    }

    private static func canonical(_ tape: JSONTape, _ index: Int) -> String {
        var bytes: [UInt8] = []
        CanonicalJSON.write(tape, index, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One value that differs between two records.
public struct FieldChange: Sendable, Equatable, Codable {
    public var path: String
    /// Canonical JSON; nil when the field is new (or the values were not asked for: `withoutValues`).
    public var old: String?
    /// Canonical JSON; nil when the field is gone (or the values were not asked for).
    public var new: String?

    /// The change's path alone.
    public var withoutValues: FieldChange { FieldChange(path: path, old: nil, new: nil) }

    /// The values that differ from `old` to `new`, in path order. Paths and values are compared
    /// byte for byte.
    public static func between(_ old: RecordFields?, _ new: RecordFields?) -> [FieldChange] {
        var byPath: [[UInt8]: (old: String?, new: String?)] = [:]
        for (path, value) in old?.values ?? [] { byPath[Array(path.utf8), default: (nil, nil)].old = value }
        for (path, value) in new?.values ?? [] { byPath[Array(path.utf8), default: (nil, nil)].new = value }
        return byPath.filter { $0.value.old.map { Array($0.utf8) } != $0.value.new.map { Array($0.utf8) } }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .map { FieldChange(path: String(decoding: $0.key, as: UTF8.self), old: $0.value.old, new: $0.value.new) }
    }
}

/// Shortens a value to `width` characters for a terminal, marking what was left out.
public func folded(_ text: String, width: Int) -> String {
    let flat = text.replacingOccurrences(of: "\n", with: "\\n")
    guard flat.count > width, width > 1 else { return flat }
    return String(flat.prefix(width - 1)) + "…"
}
