/// An example of a slice as a listing shows it (`slice --format table` or `csv`): its id, its
/// source and each label, taken from the one parse of its line that the slice made (or, where the
/// index answered and no record was parsed to match it, from one parse made for the row).
public struct SliceRow: Sendable {
    /// The example's id; empty when the record has none that is a string.
    public var id: String
    /// The source, when it is a string.
    public var source: String?
    /// Each label, key and value, in code point order of the keys (as canonical JSON has them).
    public var labels: [DisplayValue.Member]

    /// The row of a parsed record; a record that is not an object has an empty id and no labels.
    init(_ tape: JSONTape) {
        id = ""
        labels = []
        guard tape.nodes.first?.kind == .object else { return }
        if let node = tape.member(0, "id"), tape.nodes[node].kind == .string { id = tape.string(node) }
        if let node = tape.member(0, "source"), tape.nodes[node].kind == .string { source = tape.string(node) }
        if let node = tape.member(0, "labels"), case .object(let members) = DisplayValue(tape, node) { labels = members }
    }
}
