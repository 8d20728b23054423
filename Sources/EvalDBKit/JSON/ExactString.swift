/// A string compared and hashed by its UTF-8 bytes — code point by code point — for ids and keys:
/// Swift's `String` takes canonically equivalent strings (`café` precomposed and decomposed) for one.
struct ExactString: Hashable, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (a: ExactString, b: ExactString) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Code point order (which is UTF-8 byte order).
    static func precedes(_ a: ExactString, _ b: ExactString) -> Bool { a.string.utf8.lexicographicallyPrecedes(b.string.utf8) }
}
