/// What a command printed for one example, as `run exec` records it (docs/run.md, "The protocol").
///
/// The output is JSON when the whole of it parses as JSON (white space around it allowed), else
/// its text with one final newline removed. A JSON object with a `usage` member that is an object
/// reports usage: the member is kept as the result's `usage` and taken out of the output, and an
/// object left with the single member `output` stands for that member's value — so a command that
/// answers in text reports its tokens as `{"output": "…", "usage": {"input_tokens": 12, …}}`.
struct CommandOutput: Sendable {
    var value: ExecValue
    /// The canonical JSON of the reported usage (an object), when there is one.
    var usage: [UInt8]?
    var problem: Problem?

    enum Problem: Sendable, Equatable {
        /// Invalid UTF-8 at this byte offset: the output is kept with U+FFFD in its place.
        case notUTF8(offset: Int)
        /// More than `limit` bytes: the output is kept cut at the limit (at a character boundary).
        case tooLarge(limit: Int)

        var message: String {
            switch self {
            case .notUTF8(let offset): "the output is not UTF-8 (an invalid byte at offset \(offset)); kept with U+FFFD in its place"
            case .tooLarge(let limit): "the output is over \(limit) bytes; kept cut at \(limit) bytes"
            }
        }
    }

    /// Reads `bytes`, the first `limit` bytes of what the command printed; `truncated` when it
    /// printed more.
    init(_ bytes: [UInt8], truncated: Bool, limit: Int) {
        var bytes = bytes
        if truncated {
            bytes.removeLast(Self.incompleteTail(bytes))
            value = ExecValue(text: Array(String(decoding: bytes, as: UTF8.self).utf8))
            problem = .tooLarge(limit: limit)
            return
        }
        if let offset = Self.firstInvalidUTF8(bytes) {
            value = ExecValue(text: Array(String(decoding: bytes, as: UTF8.self).utf8))
            problem = .notUTF8(offset: offset)
            return
        }
        if bytes.last == 0x0A {
            bytes.removeLast()
            if bytes.last == 0x0D { bytes.removeLast() }
        }
        guard let tape = try? JSONParser.parse(bytes: bytes) else {
            value = ExecValue(text: bytes)
            return
        }
        if tape.nodes[0].kind == .object, let usageNode = tape.member(0, "usage"), tape.nodes[usageNode].kind == .object {
            var usage: [UInt8] = []
            CanonicalJSON.write(tape, usageNode, to: &usage)
            self.usage = usage
            let rest = tape.members(0).filter { !tape.bytes($0.key).elementsEqual("usage".utf8) }
            if rest.count == 1, tape.bytes(rest[0].key).elementsEqual("output".utf8) {
                value = ExecValue(tape, rest[0].value)
            } else {
                var remaining: [UInt8] = []
                CanonicalJSON.write(tape, object: 0, excluding: "usage", to: &remaining)
                value = ExecValue(json: remaining) ?? ExecValue(tape)
            }
            return
        }
        value = ExecValue(tape, text: bytes)
    }

    /// How many bytes at the end of `bytes` are the start of a character cut off.
    static func incompleteTail(_ bytes: [UInt8]) -> Int {
        var count = 0
        while count < min(3, bytes.count), bytes[bytes.count - 1 - count] & 0xC0 == 0x80 { count += 1 }
        guard count < bytes.count else { return 0 }
        let lead = bytes[bytes.count - 1 - count]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return length > count + 1 ? count + 1 : 0
    }

    /// The offset of the first byte that is not well-formed UTF-8 (overlong forms and surrogates
    /// included), or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: (length, low) = (3, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: (length, high) = (3, 0x9F)
            case 0xF0: (length, low) = (4, 0x90)
            case 0xF1...0xF3: length = 4
            case 0xF4: (length, high) = (4, 0x8F)
            default: return i
            }
            guard i + length <= n else { return i }
            guard bytes[i + 1] >= low && bytes[i + 1] <= high else { return i }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }
}
