/// The spec's example record: which top-level fields it must have and what each may hold.
public enum RecordSchema {
    /// The required top-level fields, in the order the spec lists them.
    public static let requiredFields = [
        "id", "input", "context", "expected_output", "labels", "source", "author", "created_at", "notes",
    ]

    private static let requiredFieldBytes = requiredFields.map { Array($0.utf8) }

    /// A problem found in one record, at a byte offset of its line.
    public struct Problem: Equatable, Sendable {
        public var offset: Int
        public var message: String
        public var isWarning: Bool
    }

    /// Checks the record held by `tape` (root node 0) and returns the node of its id when the id is
    /// valid. Problems are appended in the order of the line. Allocates nothing for a valid record.
    static func check(_ tape: JSONTape, problems: inout [Problem]) -> Int? {
        let root = tape.nodes[0]
        guard root.kind == .object else {
            problems.append(
                .init(offset: Int(root.source), message: "a record must be a JSON object, found \(describe(root.kind))", isWarning: false))
            return nil
        }
        // The value node of each required field, found by comparing key bytes (no String per key).
        var found = (-1, -1, -1, -1, -1, -1, -1, -1, -1)
        return withUnsafeMutableBytes(of: &found) { raw in
            let found = raw.bindMemory(to: Int.self)
            var child = 1
            let end = Int(root.length)
            while child < end {
                let key = child, value = child + 1
                child = tape.next(after: value)
                guard let field = fieldIndex(tape.bytes(key)) else {
                    problems.append(
                        .init(
                            offset: Int(tape.nodes[key].source),
                            message: "unknown top-level field \(quoted(tape.string(key))) (kept as it is; an error in strict mode)",
                            isWarning: true))
                    continue
                }
                found[field] = value
            }
            if found.contains(-1) {
                let missing = requiredFields.indices.filter { found[$0] < 0 }.map { quoted(requiredFields[$0]) }
                let fields = missing.count == 1 ? "field \(missing[0])" : "fields \(missing.joined(separator: ", "))"
                problems.append(.init(offset: Int(root.source), message: "missing required \(fields)", isWarning: false))
            }
            var idNode: Int?
            for field in 0..<requiredFields.count {
                let value = found[field]
                guard value >= 0 else { continue }
                if let message = checkField(field, value, tape) {
                    problems.append(.init(offset: Int(tape.nodes[value].source), message: message, isWarning: false))
                } else if field == 0 {
                    idNode = value
                }
            }
            return idNode
        }
    }

    /// The index in `requiredFields` of a key, by its bytes.
    private static func fieldIndex(_ key: ArraySlice<UInt8>) -> Int? {
        for (index, field) in requiredFieldBytes.enumerated() where field.count == key.count && field.elementsEqual(key) {
            return index
        }
        return nil
    }

    /// Why the value of required field number `field` is not valid, or nil.
    private static func checkField(_ field: Int, _ value: Int, _ tape: JSONTape) -> String? {
        let kind = tape.nodes[value].kind
        let name = requiredFields[field]
        switch field {
        case 0:  // id
            guard kind == .string else { return "\"id\" must be a string, found \(describe(kind))" }
            let bytes = tape.bytes(value)
            if !bytes.isEmpty, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return nil }  // printable ASCII, no space
            return checkId(tape.string(value))
        case 1, 3:  // input, expected_output
            return kind == .null ? "\(quoted(name)) must not be null" : nil
        case 2:  // context
            return nil
        case 4:  // labels
            guard kind == .object else { return "\"labels\" must be an object, found \(describe(kind))" }
            var child = value + 1
            let end = Int(tape.nodes[value].length)
            while child < end {
                let key = child, labelValue = child + 1
                child = tape.next(after: labelValue)
                switch tape.nodes[labelValue].kind {
                case .string, .integer, .float, .true, .false, .null: continue
                case .array:
                    var element = labelValue + 1
                    let elementsEnd = Int(tape.nodes[labelValue].length)
                    while element < elementsEnd {
                        let elementKind = tape.nodes[element].kind
                        if elementKind != .string {
                            return "label \(quoted(tape.string(key))) must be a list of strings; it holds \(describe(elementKind))"
                        }
                        element += 1
                    }
                case .object:
                    return "label \(quoted(tape.string(key))) must be a string, number, boolean, null or list of strings, found an object"
                }
            }
            return nil
        case 5:  // source
            guard kind == .string else { return "\"source\" must be a string, found \(describe(kind))" }
            return tape.nodes[value].length == 0 ? "\"source\" must not be empty" : nil
        case 6:  // author
            return kind == .string ? nil : "\"author\" must be a string, found \(describe(kind))"
        case 7:  // created_at
            guard kind == .string else { return "\"created_at\" must be an ISO 8601 date string, found \(describe(kind))" }
            return tape.bytes(value).withUnsafeBufferPointer(ISO8601.isDateOrDateTime)
                ? nil
                : "\"created_at\" must be an ISO 8601 date or date-time (like 2026-04-16 or 2026-04-16T09:30:00Z), found \(quoted(tape.string(value)))"
        case 8:  // notes
            return kind == .string || kind == .null ? nil : "\"notes\" must be a string or null, found \(describe(kind))"
        default:
            return nil
        }
    }

    /// Why `id` is not a valid id, or nil.
    public static func checkId(_ id: String) -> String? {
        if !id.isEmpty, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return nil }  // printable ASCII, no space
        guard let first = id.unicodeScalars.first, let last = id.unicodeScalars.last else {
            return "\"id\" must not be empty"
        }
        if let control = id.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            return "\"id\" must not contain control characters (found U+\(hex4(control.value).uppercased()))"
        }
        if first.properties.isWhitespace || last.properties.isWhitespace {
            return "\"id\" must not start or end with white space: \(quoted(id))"
        }
        return nil
    }

    static func describe(_ kind: JSONTape.Kind) -> String {
        switch kind {
        case .null: "null"
        case .true, .false: "a boolean"
        case .integer, .float: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

/// ISO 8601 dates (`2026-04-16`) and date-times (`2026-04-16T09:30`, `...:00`, `...:00.123`, with
/// `Z` or an offset like `+02:00`), as Python's `datetime.fromisoformat` reads them.
enum ISO8601 {
    static func isDateOrDateTime(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= text.count else { return nil }
            var value = 0
            for k in 0..<count {
                let d = text[i + k] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                value = value * 10 + Int(d)
            }
            i += count
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard i < text.count, text[i] == byte else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2), (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= days else { return false }
        if i == text.count { return true }
        guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: " ")) else { return false }
        guard let hour = digits(2), hour < 24, expect(UInt8(ascii: ":")), let minute = digits(2), minute < 60 else { return false }
        if expect(UInt8(ascii: ":")) {
            guard let second = digits(2), second < 60 else { return false }
            if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                let start = i
                while i < text.count, text[i] &- UInt8(ascii: "0") < 10 { i += 1 }
                guard i > start else { return false }
            }
        }
        if i == text.count { return true }
        if expect(UInt8(ascii: "Z")) { return i == text.count }
        guard expect(UInt8(ascii: "+")) || expect(UInt8(ascii: "-")) else { return false }
        guard let offsetHours = digits(2), offsetHours < 24 else { return false }
        _ = expect(UInt8(ascii: ":"))
        guard let offsetMinutes = digits(2), offsetMinutes < 60 else { return false }
        return i == text.count
    }
}
