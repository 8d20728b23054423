/// A JSON syntax error at a byte offset of the parsed text.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public var offset: Int
    public var message: String
}

/// A strict RFC 8259 parser over UTF-8 bytes that fills a `JSONTape`.
///
/// Rejects, with the offset of the offending byte: anything that is not JSON (NaN, Infinity,
/// comments, trailing commas, single quotes), invalid UTF-8, raw control characters in strings,
/// lone surrogate escapes, a number that overflows a double, a duplicate key in one object, and
/// nesting deeper than `maxDepth` (Python's json module gives up at about the same depth).
/// Integers of any size are kept as written; other numbers are kept as Python's `repr(float)`.
struct JSONParser: ~Copyable {
    static let maxDepth = 995

    private let base: UnsafePointer<UInt8>
    private let end: Int
    private var position = 0
    private var depth = 0
    private var tape: JSONTape
    /// Key node indices of the objects being parsed, innermost last.
    private var keyStack: [Int32] = []
    /// The text read so far is exactly its canonical form (see `JSONTape.isCanonical`).
    private var canonical = true

    /// Parses `text` (one whole JSON value, white space around it allowed) into `tape`, which is
    /// cleared first.
    static func parse(_ text: UnsafeBufferPointer<UInt8>, into tape: inout JSONTape) throws(JSONSyntaxError) {
        tape.removeAll()
        guard let base = text.baseAddress, text.count > 0 else {
            throw JSONSyntaxError(offset: 0, message: "expected a JSON value, found the end of the line")
        }
        var parser = JSONParser(base: base, end: text.count, tape: tape)
        tape = JSONTape()  // the parser owns the buffers while it works
        defer {
            parser.tape.isCanonical = parser.canonical
            tape = parser.tape
        }
        parser.expectNoWhitespace()
        try parser.parseValue()
        parser.expectNoWhitespace()
        if parser.position < parser.end {
            throw parser.failure("unexpected \(parser.describe(parser.position)) after the JSON value")
        }
    }

    /// Parses a Swift string (for tests and small inputs).
    static func parse(_ text: String) throws(JSONSyntaxError) -> JSONTape {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses UTF-8 bytes that may not be valid UTF-8 (for tests and small inputs).
    static func parse(bytes: [UInt8]) throws(JSONSyntaxError) -> JSONTape {
        var tape = JSONTape()
        let result: Result<Void, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) { try parse(buffer, into: &tape); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
        return tape
    }

    private init(base: UnsafePointer<UInt8>, end: Int, tape: JSONTape) {
        self.base = base
        self.end = end
        self.tape = tape
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSONSyntaxError) {
        guard position < end else { throw failure("expected a JSON value, found the end of the line") }
        switch base[position] {
        case UInt8(ascii: "{"): try parseObject()
        case UInt8(ascii: "["): try parseArray()
        case UInt8(ascii: "\""):
            let source = Int32(position)
            let (start, length) = try parseString()
            tape.nodes.append(.init(kind: .string, start: start, length: length, source: source))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
        case UInt8(ascii: "t"): try parseLiteral("true", .true)
        case UInt8(ascii: "f"): try parseLiteral("false", .false)
        case UInt8(ascii: "n"): try parseLiteral("null", .null)
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw failure("NaN and Infinity are not valid JSON")
        default:
            throw failure("expected a JSON value, found \(describe(position))")
        }
    }

    private mutating func parseLiteral(_ word: StaticString, _ kind: JSONTape.Kind) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        let pointer = word.utf8Start
        guard position + count <= end else { throw failure("expected a JSON value, found \(describe(position))") }
        for i in 0..<count where base[position + i] != pointer[i] {
            throw failure("expected a JSON value, found \(describe(position))")
        }
        tape.nodes.append(.init(kind: kind, start: 0, length: 0, source: Int32(position)))
        position += count
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > JSONParser.maxDepth {
            throw failure("nesting deeper than \(JSONParser.maxDepth) levels")
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) {
        try enter()
        let index = tape.nodes.count
        tape.nodes.append(.init(kind: .array, start: 0, length: 0, source: Int32(position)))
        position += 1
        expectNoWhitespace()
        var count: Int32 = 0
        if position < end, base[position] == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                try parseValue()
                count += 1
                expectNoWhitespace()
                guard position < end else { throw failure("unterminated array: expected ',' or ']'") }
                let byte = base[position]
                position += 1
                if byte == UInt8(ascii: "]") { break }
                guard byte == UInt8(ascii: ",") else {
                    position -= 1
                    throw failure("expected ',' or ']' in array, found \(describe(position))")
                }
                expectOneSpace()
                if position < end, base[position] == UInt8(ascii: "]") {
                    throw failure("trailing comma in array")
                }
            }
        }
        tape.nodes[index].start = count
        tape.nodes[index].length = Int32(tape.nodes.count)
        depth -= 1
    }

    private mutating func parseObject() throws(JSONSyntaxError) {
        try enter()
        let index = tape.nodes.count
        tape.nodes.append(.init(kind: .object, start: 0, length: 0, source: Int32(position)))
        let stackBase = keyStack.count
        position += 1
        expectNoWhitespace()
        if position < end, base[position] == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                guard position < end else { throw failure("unterminated object: expected a key") }
                guard base[position] == UInt8(ascii: "\"") else {
                    if base[position] == UInt8(ascii: "}") { throw failure("trailing comma in object") }
                    throw failure("expected a string key in object, found \(describe(position))")
                }
                let source = Int32(position)
                let (start, length) = try parseString()
                keyStack.append(Int32(tape.nodes.count))
                tape.nodes.append(.init(kind: .string, start: start, length: length, source: source))
                expectNoWhitespace()
                guard position < end, base[position] == UInt8(ascii: ":") else {
                    throw failure("expected ':' after object key, found \(describe(position))")
                }
                position += 1
                expectOneSpace()
                try parseValue()
                expectNoWhitespace()
                guard position < end else { throw failure("unterminated object: expected ',' or '}'") }
                let byte = base[position]
                position += 1
                if byte == UInt8(ascii: "}") { break }
                guard byte == UInt8(ascii: ",") else {
                    position -= 1
                    throw failure("expected ',' or '}' in object, found \(describe(position))")
                }
                expectOneSpace()
            }
        }
        try sortKeys(from: stackBase)
        tape.nodes[index].start = Int32((keyStack.count - stackBase) * 2)
        tape.nodes[index].length = Int32(tape.nodes.count)
        tape.nodes[index].sorted = Int32(tape.sortedKeys.count)
        tape.sortedKeys.append(contentsOf: keyStack[stackBase...])
        keyStack.removeSubrange(stackBase...)
        depth -= 1
    }

    /// Sorts the keys of the object just closed by code point (UTF-8 byte order is code point
    /// order) and rejects duplicates, pointing at the later one.
    private mutating func sortKeys(from stackBase: Int) throws(JSONSyntaxError) {
        let count = keyStack.count - stackBase
        guard count > 1 else { return }
        let nodes = tape.nodes
        let duplicate: Int32? = tape.arena.withUnsafeBufferPointer { arena in
            func less(_ a: Int32, _ b: Int32) -> Bool {
                let x = nodes[Int(a)], y = nodes[Int(b)]
                let n = Int(min(x.length, y.length))
                if n > 0 {
                    let c = memcmpBytes(arena.baseAddress! + Int(x.start), arena.baseAddress! + Int(y.start), n)
                    if c != 0 { return c < 0 }
                }
                if x.length != y.length { return x.length < y.length }
                return a < b  // equal keys: keep document order so the later one is reported
            }
            var inOrder = true
            for i in (stackBase + 1)..<keyStack.count where !less(keyStack[i - 1], keyStack[i]) {
                inOrder = false
                break
            }
            if !inOrder {
                canonical = false
                keyStack[stackBase...].sort(by: less)
            }
            for i in (stackBase + 1)..<keyStack.count {
                let a = nodes[Int(keyStack[i - 1])], b = nodes[Int(keyStack[i])]
                if a.length == b.length
                    && (a.length == 0
                        || memcmpBytes(arena.baseAddress! + Int(a.start), arena.baseAddress! + Int(b.start), Int(a.length)) == 0)
                {
                    return keyStack[i]
                }
            }
            return nil
        }
        if let duplicate {
            let node = tape.nodes[Int(duplicate)]
            position = Int(node.source)
            throw failure("duplicate key \(quoted(tape.string(Int(duplicate)))) in object")
        }
    }

    // MARK: - Strings

    /// Parses the string at `position` (on its opening quote), appending its decoded UTF-8 to the
    /// arena. Returns where the bytes are.
    private mutating func parseString() throws(JSONSyntaxError) -> (Int32, Int32) {
        let start = tape.arena.count
        position += 1
        while true {
            // A run of bytes that need no work.
            let runStart = position
            while position < end {
                let byte = base[position]
                if byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                position += 1
            }
            if position > runStart {
                tape.arena.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: position - runStart))
            }
            guard position < end else { throw failure("unterminated string") }
            let byte = base[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return (Int32(start), Int32(tape.arena.count - start))
            } else if byte == UInt8(ascii: "\\") {
                try parseEscape()
            } else if byte < 0x20 {
                throw failure("raw control character U+\(hex4(UInt32(byte))) in string: write it as an escape")
            } else if byte == 0x7F {
                canonical = false  // canonical JSON writes DEL as \u007f
                tape.arena.append(byte)
                position += 1
            } else {
                canonical = false  // canonical JSON escapes everything outside ASCII
                let length = try utf8SequenceLength(at: position)
                tape.arena.append(contentsOf: UnsafeBufferPointer(start: base + position, count: length))
                position += length
            }
        }
    }

    private mutating func parseEscape() throws(JSONSyntaxError) {
        guard position + 1 < end else { throw failure("unterminated string") }
        let escaped = base[position + 1]
        let simple: UInt8?
        switch escaped {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw failure("invalid escape \\\(describeEscape(escaped)) in string")
        }
        if let simple {
            if simple == 0x2F { canonical = false }  // canonical JSON does not escape '/'
            tape.arena.append(simple)
            position += 2
            return
        }
        let escapeStart = position
        var scalar = try hexQuad(at: position + 2)
        if canonical && !isCanonicalEscape(scalar, at: position + 2) { canonical = false }
        position += 6
        if (0xDC00...0xDFFF).contains(scalar) {
            position = escapeStart
            throw failure("lone surrogate \\u\(hex4(scalar)) in string")
        }
        if (0xD800...0xDBFF).contains(scalar) {
            guard position + 1 < end, base[position] == UInt8(ascii: "\\"), base[position + 1] == UInt8(ascii: "u"),
                case let low = try hexQuad(at: position + 2), (0xDC00...0xDFFF).contains(low)
            else {
                position = escapeStart
                throw failure("lone surrogate \\u\(hex4(scalar)) in string")
            }
            if canonical && !isCanonicalEscape(low, at: position + 2) { canonical = false }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            position += 6
        }
        appendUTF8(scalar)
    }

    /// Whether canonical JSON writes the code unit `unit` as the `\\u` escape whose four hex
    /// digits are at `offset`: only characters with no short escape outside printable ASCII, in
    /// lower-case hex.
    private func isCanonicalEscape(_ unit: UInt32, at offset: Int) -> Bool {
        switch unit {
        case 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x20...0x7E: return false
        default:
            for i in 0..<4 where base[offset + i] >= UInt8(ascii: "A") && base[offset + i] <= UInt8(ascii: "F") { return false }
            return true
        }
    }

    private func hexQuad(at offset: Int) throws(JSONSyntaxError) -> UInt32 {
        guard offset + 4 <= end else { throw JSONSyntaxError(offset: offset - 2, message: "incomplete \\u escape in string") }
        var value: UInt32 = 0
        for i in 0..<4 {
            let byte = base[offset + i]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONSyntaxError(offset: offset - 2, message: "invalid \\u escape in string: expected 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            tape.arena.append(UInt8(scalar))
        case ..<0x800:
            tape.arena.append(UInt8(0xC0 | scalar >> 6))
            tape.arena.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            tape.arena.append(UInt8(0xE0 | scalar >> 12))
            tape.arena.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            tape.arena.append(UInt8(0x80 | scalar & 0x3F))
        default:
            tape.arena.append(UInt8(0xF0 | scalar >> 18))
            tape.arena.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            tape.arena.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            tape.arena.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// The length of the well-formed UTF-8 sequence at `offset` (Unicode table 3-7), or an error.
    private func utf8SequenceLength(at offset: Int) throws(JSONSyntaxError) -> Int {
        let lead = base[offset]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw JSONSyntaxError(offset: offset, message: "invalid UTF-8 byte 0x\(hex2(lead))")
        }
        for i in 1..<length {
            guard offset + i < end else { throw JSONSyntaxError(offset: offset, message: "invalid UTF-8: truncated sequence") }
            let byte = base[offset + i]
            let (lo, hi) = i == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= lo && byte <= hi else {
                throw JSONSyntaxError(offset: offset, message: "invalid UTF-8 sequence starting with byte 0x\(hex2(lead))")
            }
        }
        return length
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONSyntaxError) {
        let start = position
        if base[position] == UInt8(ascii: "-") {
            position += 1
            if position < end, base[position] == UInt8(ascii: "I") {
                position = start  // point at the sign
                throw failure("NaN and Infinity are not valid JSON")
            }
        }
        guard position < end, isDigit(base[position]) else {
            throw failure("invalid number: expected a digit")
        }
        if base[position] == UInt8(ascii: "0") {
            position += 1
            if position < end, isDigit(base[position]) {
                throw failure("invalid number: leading zeros are not allowed")
            }
        } else {
            while position < end, isDigit(base[position]) { position += 1 }
        }
        var isFloat = false
        if position < end, base[position] == UInt8(ascii: ".") {
            isFloat = true
            position += 1
            guard position < end, isDigit(base[position]) else {
                throw failure("invalid number: expected a digit after the decimal point")
            }
            while position < end, isDigit(base[position]) { position += 1 }
        }
        if position < end, base[position] == UInt8(ascii: "e") || base[position] == UInt8(ascii: "E") {
            isFloat = true
            position += 1
            if position < end, base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-") { position += 1 }
            guard position < end, isDigit(base[position]) else {
                throw failure("invalid number: expected a digit in the exponent")
            }
            while position < end, isDigit(base[position]) { position += 1 }
        }
        let text = UnsafeBufferPointer(start: base + start, count: position - start)
        let arenaStart = tape.arena.count
        if isFloat && PythonFloat.isReprAsWritten(text) {
            tape.arena.append(contentsOf: text)  // the common case: no conversion needed
            tape.nodes.append(.init(kind: .float, start: Int32(arenaStart), length: Int32(text.count), source: Int32(start)))
        } else if isFloat {
            guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else {
                position = start
                throw failure("number overflows a double")
            }
            tape.arena.append(contentsOf: PythonFloat.repr(value).utf8)
            if canonical && !tape.arena[arenaStart...].elementsEqual(text) { canonical = false }
            tape.nodes.append(.init(kind: .float, start: Int32(arenaStart), length: Int32(tape.arena.count - arenaStart), source: Int32(start)))
        } else {
            if text.count == 2 && text[0] == UInt8(ascii: "-") && text[1] == UInt8(ascii: "0") {
                tape.arena.append(UInt8(ascii: "0"))  // Python: int("-0") == 0
                canonical = false
            } else {
                tape.arena.append(contentsOf: text)
            }
            tape.nodes.append(.init(kind: .integer, start: Int32(arenaStart), length: Int32(tape.arena.count - arenaStart), source: Int32(start)))
        }
    }

    // MARK: - Helpers

    /// Skips white space where canonical JSON has none.
    @inline(__always)
    private mutating func expectNoWhitespace() {
        if skipWhitespace() != 0 { canonical = false }
    }

    /// Skips white space where canonical JSON has exactly one space (after ',' and ':').
    @inline(__always)
    private mutating func expectOneSpace() {
        if skipWhitespace() != 1 || base[position - 1] != 0x20 { canonical = false }
    }

    /// Skips white space and returns how many bytes it was.
    @inline(__always)
    private mutating func skipWhitespace() -> Int {
        let start = position
        while position < end {
            switch base[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return position - start
            }
        }
        return position - start
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private func failure(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: min(position, end), message: message)
    }

    private func describe(_ offset: Int) -> String {
        guard offset < end else { return "the end of the line" }
        let byte = base[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(hex2(byte))"
    }

    private func describeEscape(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? String(Character(Unicode.Scalar(byte))) : "(byte 0x\(hex2(byte)))"
    }
}

func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\"" || scalar == "\\" {
            result += "\\u" + hex4(scalar.value)
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}

func hex2(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}

func hex4(_ value: UInt32) -> String {
    let digits = Array("0123456789abcdef")
    return String((0..<4).reversed().map { digits[Int(value >> (UInt32($0) * 4) & 0xF)] })
}

@inline(__always)
func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    for i in 0..<count where a[i] != b[i] {
        return a[i] < b[i] ? -1 : 1
    }
    return 0
}
