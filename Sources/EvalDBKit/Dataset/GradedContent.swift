import Crypto
import Foundation

/// What a result depends on: an example's input, context and expected output, its *graded
/// content* (docs/statistics.md). Two records with the same graded content give comparable
/// results, and a read mark on one holds for the other (docs/review.md); a change to labels, tags,
/// notes, source, author or created_at changes neither. `compare`, staleness, read marks and judge
/// calibration ask this type, or its SQL form `StorageModel.sameGradedContent`, and nothing else.
///
/// Records in the database are canonical lines, so the three members are cut out of the line as
/// written (`CanonicalMembers`), without a parse: in canonical JSON, equal bytes are equal values.
public enum GradedContent {
    /// The graded members, in code point order: their order in a canonical record and in the
    /// digest's object.
    public static let fields = ["context", "expected_output", "input"]

    private static let keys: [[UInt8]] = fields.map { Array("\"\($0)\"".utf8) }

    /// Whether two canonical records differ in graded content. A record that is not shaped as a
    /// canonical object differs from any other record whose bytes are not the same.
    public static func differs(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> Bool {
        if same(first, second) { return false }
        guard let a = members(of: first), let b = members(of: second) else { return true }
        return !zip(a, b).allSatisfy(same)
    }

    /// Byte-for-byte equality (memcmp: `compare` and `report` ask it of every changed example).
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return memcmp(x, y, a.count) == 0
    }

    /// Whether two canonical records (as text) differ in graded content.
    public static func differs(_ first: String, _ second: String) -> Bool {
        var a = first, b = second
        return a.withUTF8 { x in b.withUTF8 { y in differs(x, y) } }
    }

    /// The graded digest of a canonical record: the lower-case hex SHA-256 of the canonical JSON of
    /// `{"context": ..., "expected_output": ..., "input": ...}` — what Python's
    /// `json.dumps({k: rec[k] for k in ("context", "expected_output", "input")}, sort_keys=True)`
    /// prints, hashed as UTF-8. Nil when the record lacks one of the three, or is not shaped as a
    /// canonical object.
    public static func digest(ofCanonical record: UnsafeBufferPointer<UInt8>) -> String? {
        guard let values = members(of: record) else { return nil }
        var object: [UInt8] = [UInt8(ascii: "{")]
        for (index, (key, value)) in zip(keys, values).enumerated() {
            if index > 0 { object.append(contentsOf: ", ".utf8) }
            object.append(contentsOf: key)
            object.append(contentsOf: ": ".utf8)
            object.append(contentsOf: value)
        }
        object.append(UInt8(ascii: "}"))
        return SHA256.hash(data: object).hexString
    }

    /// The graded digest of a record in any JSON spelling (canonicalised first); nil when it lacks
    /// one of the three members. Throws `JSONError` when it is not JSON.
    public static func digest(of record: String) throws -> String? {
        var canonical = try CanonicalJSON.canonicalize(record)
        return canonical.withUTF8 { digest(ofCanonical: $0) }
    }

    /// The values of the graded members, in `fields` order, as written in `record`; nil when one is
    /// missing or the record is not shaped as a canonical object. Stops at the last of them
    /// (`input`), before the labels and notes.
    private static func members(of record: UnsafeBufferPointer<UInt8>) -> [UnsafeBufferPointer<UInt8>]? {
        var found: [UnsafeBufferPointer<UInt8>?] = [nil, nil, nil]
        var remaining = keys.count
        let shaped = CanonicalMembers.forEach(in: record) { key, value in
            if let index = keys.firstIndex(where: { $0.withUnsafeBufferPointer { same($0, key) } }), found[index] == nil {
                found[index] = value
                remaining -= 1
            }
            return remaining > 0
        }
        guard shaped else { return nil }
        let values = found.compactMap { $0 }
        return values.count == keys.count ? values : nil
    }
}
