/// An input as deduplication compares it "after white space and case folding": the canonical JSON
/// of the value with every string lower-cased, its runs of white space made one space and trimmed
/// at both ends. Object keys, numbers and the shape are kept: `"Hi  there"` and `" hi there"` fold
/// alike; a conversation and a plain string never do.
///
/// One folder is reused for every trace: it folds into a buffer of its own, byte by byte for ASCII
/// text, so that folding a trace allocates nothing.
final class InputFolder {
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity = 4096
    private var count = 0

    init() { buffer = .allocate(capacity: capacity) }

    deinit { buffer.deallocate() }

    /// The folded canonical JSON of the last value folded (valid until the next `fold`).
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: buffer, count: count) }

    /// A hash of `bytes`: of their count and their first and last 64 bytes, which tells inputs apart
    /// in one step whatever their size (equal hashes are compared byte for byte).
    var hash: Int {
        var hasher = Hasher()
        hasher.combine(count)
        let all = UnsafeRawBufferPointer(bytes)
        if count <= 128 {
            hasher.combine(bytes: all)
        } else {
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: all.prefix(64)))
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: all.suffix(64)))
        }
        return hasher.finalize()
    }

    /// Folds the value at `index` of `tape` into `bytes`.
    func fold(_ tape: JSONTape, _ index: Int) {
        count = 0
        tape.nodes.withUnsafeBufferPointer { nodes in
            tape.arena.withUnsafeBufferPointer { arena in
                tape.sortedKeys.withUnsafeBufferPointer { sortedKeys in
                    write(index, nodes, arena, sortedKeys)
                }
            }
        }
    }

    /// The folded canonical JSON of a canonical JSON text (an input read from the database).
    static func folded(_ canonical: String) -> [UInt8]? {
        guard let tape = try? JSONParser.parse(canonical) else { return nil }
        let folder = InputFolder()
        folder.fold(tape, 0)
        return Array(folder.bytes)
    }

    // MARK: - Writing

    private func write(
        _ index: Int, _ nodes: UnsafeBufferPointer<JSONTape.Node>, _ arena: UnsafeBufferPointer<UInt8>, _ sortedKeys: UnsafeBufferPointer<Int32>
    ) {
        let node = nodes[index]
        switch node.kind {
        case .null: append("null")
        case .true: append("true")
        case .false: append("false")
        case .integer, .float: append(UnsafeBufferPointer(rebasing: arena[Int(node.start)..<Int(node.start + node.length)]))  // canonical already
        case .string: writeFolded(UnsafeBufferPointer(rebasing: arena[Int(node.start)..<Int(node.start + node.length)]))
        case .array:
            append("[")
            var child = index + 1
            let end = Int(node.length)
            while child < end {
                if child > index + 1 { append(", ") }
                write(child, nodes, arena, sortedKeys)
                let childNode = nodes[child]
                child = childNode.kind == .array || childNode.kind == .object ? Int(childNode.length) : child + 1
            }
            append("]")
        case .object:
            append("{")
            for k in 0..<Int(node.start) / 2 {
                let key = Int(sortedKeys[Int(node.sorted) + k])
                if k > 0 { append(", ") }
                let name = UnsafeBufferPointer(rebasing: arena[Int(nodes[key].start)..<Int(nodes[key].start + nodes[key].length)])
                if name.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                    append("\"")
                    append(name)
                    append("\"")
                } else {
                    var canonical: [UInt8] = []
                    CanonicalJSON.writeString(name, to: &canonical)
                    canonical.withUnsafeBufferPointer { append($0) }
                }
                append(": ")
                write(key + 1, nodes, arena, sortedKeys)
            }
            append("}")
        }
    }

    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var bigger = capacity * 2
        while count + extra > bigger { bigger *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        grown.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = grown
        capacity = bigger
    }

    private func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let base = bytes.baseAddress { (buffer + count).update(from: base, count: bytes.count) }
        count += bytes.count
    }

    private func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// For each byte of plain ASCII text: itself lower-cased, a space for white space, 0 for a byte
    /// that needs more (a quote, a backslash, a control character, a byte beyond ASCII).
    private static let foldTable: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 0x09...0x0D, 0x20: 0x20
        case 0x41...0x5A: UInt8(byte | 0x20)
        case 0x22, 0x5C, ..<0x20, 0x7F...: 0
        default: UInt8(byte)
        }
    }

    /// A string lower-cased with its white space collapsed, as a canonical JSON string: without a
    /// branch a byte for plain ASCII text (the usual case), else byte by byte.
    private func writeFolded(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count * 6 + 2)
        let start = count
        buffer[start] = UInt8(ascii: "\"")
        count += 1
        let (plain, trailingSpace) = foldPlain(bytes)
        guard plain else { return writeFoldedSpecial(bytes, start: start) }
        if trailingSpace { count -= 1 }
        buffer[count] = UInt8(ascii: "\"")
        count += 1
    }

    /// Folds plain ASCII text to the end of the buffer (room reserved), without a closing quote.
    /// Returns false when it meets a byte that needs more (see `foldTable`), and whether the output
    /// ends with a space that is white space at the end of the text so far.
    private func foldPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> (plain: Bool, trailingSpace: Bool) {
        let out = buffer
        let start = count
        var o = count
        var special = 0
        var previousSpace = 1  // leading white space is dropped
        Self.foldTable.withUnsafeBufferPointer { table in
            for byte in bytes {
                let folded = table[Int(byte)]
                // Arithmetic, not branches: x == 0 ⇔ (x − 1) >> 63 is −1 (for 0 ≤ x < 256).
                special |= (Int(folded) &- 1) >> 63
                let space = ((Int(folded ^ 0x20) &- 1) >> 63) & 1
                out[o] = folded
                o &+= 1 &- (space & previousSpace)
                previousSpace = space
            }
        }
        count = o
        return (special == 0, previousSpace == 1 && o > start)
    }

    /// A key that inputs folding alike share, made from a few dozen bytes of each string: a hash of
    /// the first 33 bytes of each string value's folded canonical text, in canonical order (object
    /// members by key). Deduplication folds a whole input only when its key is one of the dataset's.
    func prefixKey(_ tape: JSONTape, _ index: Int) -> Int {
        var hasher = Hasher()
        tape.arena.withUnsafeBufferPointer { arena in
            combinePrefixes(tape, index, arena, into: &hasher)
        }
        return hasher.finalize()
    }

    private func combinePrefixes(_ tape: JSONTape, _ index: Int, _ arena: UnsafeBufferPointer<UInt8>, into hasher: inout Hasher) {
        let node = tape.nodes[index]
        switch node.kind {
        case .string:
            foldPrefix(UnsafeBufferPointer(rebasing: arena[Int(node.start)..<Int(node.start + node.length)]))
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(33)))
        case .array:
            var child = index + 1
            while child < Int(node.length) {
                combinePrefixes(tape, child, arena, into: &hasher)
                child = tape.next(after: child)
            }
        case .object:
            for k in 0..<Int(node.start) / 2 {
                combinePrefixes(tape, Int(tape.sortedKeys[Int(node.sorted) + k]) + 1, arena, into: &hasher)
            }
        default:
            return
        }
    }

    /// Folds at least the first 33 bytes of a string's folded canonical text into `bytes`, reading
    /// as little of it as it can.
    private func foldPrefix(_ text: UnsafeBufferPointer<UInt8>) {
        var window = min(text.count, 48)
        while true {
            count = 0
            reserve(window * 6 + 2)
            buffer[0] = UInt8(ascii: "\"")
            count = 1
            let (plain, trailingSpace) = foldPlain(UnsafeBufferPointer(rebasing: text[..<window]))
            if !plain {
                count = 0
                return writeFolded(text)
            }
            // 34 bytes: the 33rd is not a trailing space the rest of the text could drop.
            if count >= 34 { return }
            if window == text.count {
                if trailingSpace { count -= 1 }
                buffer[count] = UInt8(ascii: "\"")
                count += 1
                return
            }
            window = min(text.count, window * 2)
        }
    }

    /// Folds a string with quotes, backslashes, control characters or bytes beyond ASCII.
    private func writeFoldedSpecial(_ bytes: UnsafeBufferPointer<UInt8>, start: Int) {
        let out = buffer
        var o = start + 1
        var pendingSpace = false
        for byte in bytes {
            if byte >= 0x80 {
                count = start
                return writeFoldedUnicode(bytes)
            }
            if byte == 0x20 || byte &- 0x09 < 5 {  // space, \t \n \v \f \r
                pendingSpace = o > start + 1
                continue
            }
            if pendingSpace {
                out[o] = 0x20
                o += 1
                pendingSpace = false
            }
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                out[o] = byte | 0x20
                o += 1
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out[o] = UInt8(ascii: "\\")
                out[o + 1] = byte
                o += 2
            case 0x08:
                out[o] = UInt8(ascii: "\\")
                out[o + 1] = UInt8(ascii: "b")
                o += 2
            case ..<0x20, 0x7F:
                let hex: StaticString = "0123456789abcdef"
                out[o] = UInt8(ascii: "\\")
                out[o + 1] = UInt8(ascii: "u")
                out[o + 2] = UInt8(ascii: "0")
                out[o + 3] = UInt8(ascii: "0")
                out[o + 4] = hex.utf8Start[Int(byte >> 4)]
                out[o + 5] = hex.utf8Start[Int(byte & 0xF)]
                o += 6
            default:
                out[o] = byte
                o += 1
            }
        }
        out[o] = UInt8(ascii: "\"")
        count = o + 1
    }

    /// The same for text beyond ASCII: Unicode lower case, Unicode white space.
    private func writeFoldedUnicode(_ bytes: UnsafeBufferPointer<UInt8>) {
        let lower = String(decoding: bytes, as: UTF8.self).lowercased()
        var folded = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in lower.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !folded.isEmpty
                continue
            }
            if pendingSpace {
                folded.append(" ")
                pendingSpace = false
            }
            folded.append(scalar)
        }
        var canonical: [UInt8] = []
        Array(String(folded).utf8).withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &canonical) }
        canonical.withUnsafeBufferPointer { append($0) }
    }
}
