/// A JSON object as its members' canonical texts: for edits that change some members and keep
/// every other value exactly as it was.
struct CanonicalObject {
    /// (key, canonical JSON of the value), in no particular order.
    private(set) var members: [(key: String, value: String)] = []

    /// An empty object.
    init() {}

    /// Throws when `text` is not JSON or not an object.
    init(parsing text: String) throws(JSONSyntaxError) {
        let tape = try JSONParser.parse(text)
        guard tape.nodes[0].kind == .object else { throw JSONSyntaxError(offset: 0, message: "expected a JSON object") }
        self.init(tape, 0)
    }

    init(_ tape: JSONTape, _ index: Int) {
        for (key, value) in tape.members(index) {
            var bytes: [UInt8] = []
            CanonicalJSON.write(tape, value, to: &bytes)
            members.append((tape.string(key), String(decoding: bytes, as: UTF8.self)))
        }
    }

    /// The canonical JSON of the member named `key` (compared code point by code point), or nil.
    subscript(key: String) -> String? {
        get { members.first { $0.key.utf8.elementsEqual(key.utf8) }?.value }
        set {
            let index = members.firstIndex { $0.key.utf8.elementsEqual(key.utf8) }
            switch (index, newValue) {
            case (let index?, let value?): members[index].value = value
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?): members.append((key, value))
            case (nil, nil): break
            }
        }
    }

    /// Canonical JSON: members sorted by code point (UTF-8 byte order is code point order).
    var text: String {
        let sorted = members.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        return "{" + sorted.map { JSONText.string($0.key) + ": " + $0.value }.joined(separator: ", ") + "}"
    }
}
