/// A slice's values — one a key, nil for a key the example lacks — as a dictionary key and in
/// order, byte for byte: canonically equivalent values (`café` precomposed and decomposed) are two
/// slices, as in `slice` and the slice index (Swift's `String` equality would merge them).
struct SliceCombination: Hashable {
    let values: [ExactString?]

    init(_ values: [String?]) { self.values = values.map { $0.map(ExactString.init) } }

    /// Code point order, value by value; a missing value sorts as the empty string.
    static func precedes(_ a: [String?], _ b: [String?]) -> Bool {
        a.lazy.map { ($0 ?? "").utf8 }.lexicographicallyPrecedes(b.lazy.map { ($0 ?? "").utf8 }) {
            $0.lexicographicallyPrecedes($1)
        }
    }
}
