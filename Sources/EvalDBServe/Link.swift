/// A same-origin address: a path and query parameters, every parameter percent-encoded (only
/// RFC 3986's unreserved characters stay as they are), so that an id holding `&`, `#`, `/`, `..`
/// or quotes is one parameter value and never a path.
struct Link: Sendable, Equatable {
    var path: String
    var query: [(String, String)]

    init(_ path: String, _ query: [(String, String)] = []) {
        self.path = path
        self.query = query
    }

    static func == (a: Link, b: Link) -> Bool {
        a.href == b.href
    }

    var href: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
    }

    func adding(_ name: String, _ value: String) -> Link {
        Link(path, query + [(name, value)])
    }

    func adding(_ items: [(String, String)]) -> Link {
        Link(path, query + items)
    }

    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(UnicodeScalar(byte))
            default:
                result += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return result
    }
}

/// The parameters of a query string or of a form posted as `application/x-www-form-urlencoded`:
/// `+` is a space, `%XX` a byte, the bytes UTF-8 (invalid sequences become U+FFFD).
struct FormData: Sendable {
    var items: [(name: String, value: String)]

    init(_ items: [(name: String, value: String)] = []) { self.items = items }

    init(encoded text: String) {
        items = text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// The first value of `name`.
    subscript(_ name: String) -> String? { items.first { $0.name == name }?.value }

    /// Every value of `name`, in order.
    func all(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2, let high = hex(iterator[iterator.startIndex]),
                let low = hex(iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
