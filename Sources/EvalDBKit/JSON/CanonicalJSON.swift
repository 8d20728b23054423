/// The canonical form of JSON: byte for byte what Python 3 prints with
/// `json.dumps(value, sort_keys=True)`.
///
/// Keys sorted by code point at every depth, separators `", "` and `": "`, every character outside
/// printable ASCII escaped as lower-case `\uXXXX` (astral characters as surrogate pairs), the
/// short escapes `\n \r \t \b \f \" \\`, `/` not escaped, U+007F escaped.
public enum CanonicalJSON {
    /// Appends the canonical text of the value at `index` of `tape` to `output`.
    static func write(_ tape: JSONTape, _ index: Int = 0, to output: inout [UInt8]) {
        tape.nodes.withUnsafeBufferPointer { nodes in
            tape.arena.withUnsafeBufferPointer { arena in
                tape.sortedKeys.withUnsafeBufferPointer { sortedKeys in
                    let writer = Writer(nodes: nodes, arena: arena, sortedKeys: sortedKeys)
                    writer.write(index, to: &output)
                }
            }
        }
    }

    /// Appends the canonical text of the object at `index`, without the member named `excluded`.
    static func write(_ tape: JSONTape, object index: Int, excluding excluded: String, to output: inout [UInt8]) {
        let excludedBytes = Array(excluded.utf8)
        tape.nodes.withUnsafeBufferPointer { nodes in
            tape.arena.withUnsafeBufferPointer { arena in
                tape.sortedKeys.withUnsafeBufferPointer { sortedKeys in
                    let writer = Writer(nodes: nodes, arena: arena, sortedKeys: sortedKeys)
                    writer.writeObject(index, excluding: excludedBytes, to: &output)
                }
            }
        }
    }

    /// The canonical text of a JSON text, or the syntax error.
    public static func canonicalize(_ text: String) throws(JSONSyntaxError) -> String {
        String(decoding: try canonicalize(bytes: Array(text.utf8)), as: UTF8.self)
    }

    /// The canonical text of a JSON text given as bytes, or the syntax error.
    public static func canonicalize(bytes: [UInt8]) throws(JSONSyntaxError) -> [UInt8] {
        let tape = try JSONParser.parse(bytes: bytes)
        if tape.isCanonical { return bytes }
        var output: [UInt8] = []
        write(tape, to: &output)
        return output
    }

    /// Appends `bytes` (valid UTF-8) as a canonical JSON string literal.
    public static func writeString(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var i = 0
        let count = bytes.count
        while i < count {
            let runStart = i
            while i < count {
                let byte = bytes[i]
                if byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C { break }
                i += 1
            }
            if i > runStart {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            }
            guard i < count else { break }
            let byte = bytes[i]
            switch byte {
            case 0x22: output.append(0x5C); output.append(0x22); i += 1
            case 0x5C: output.append(0x5C); output.append(0x5C); i += 1
            case 0x0A: output.append(0x5C); output.append(UInt8(ascii: "n")); i += 1
            case 0x0D: output.append(0x5C); output.append(UInt8(ascii: "r")); i += 1
            case 0x09: output.append(0x5C); output.append(UInt8(ascii: "t")); i += 1
            case 0x08: output.append(0x5C); output.append(UInt8(ascii: "b")); i += 1
            case 0x0C: output.append(0x5C); output.append(UInt8(ascii: "f")); i += 1
            case ..<0x80:
                appendEscape(UInt32(byte), to: &output)
                i += 1
            default:
                var scalar: UInt32
                let length: Int
                if byte < 0xE0 {
                    scalar = UInt32(byte & 0x1F); length = 2
                } else if byte < 0xF0 {
                    scalar = UInt32(byte & 0x0F); length = 3
                } else {
                    scalar = UInt32(byte & 0x07); length = 4
                }
                for k in 1..<length { scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F) }
                i += length
                if scalar >= 0x10000 {
                    let offset = scalar - 0x10000
                    appendEscape(0xD800 + (offset >> 10), to: &output)
                    appendEscape(0xDC00 + (offset & 0x3FF), to: &output)
                } else {
                    appendEscape(scalar, to: &output)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    private static func appendEscape(_ unit: UInt32, to output: inout [UInt8]) {
        output.append(0x5C)
        output.append(UInt8(ascii: "u"))
        output.append(hexDigits[Int(unit >> 12 & 0xF)])
        output.append(hexDigits[Int(unit >> 8 & 0xF)])
        output.append(hexDigits[Int(unit >> 4 & 0xF)])
        output.append(hexDigits[Int(unit & 0xF)])
    }

    private struct Writer {
        let nodes: UnsafeBufferPointer<JSONTape.Node>
        let arena: UnsafeBufferPointer<UInt8>
        let sortedKeys: UnsafeBufferPointer<Int32>

        func write(_ index: Int, to output: inout [UInt8]) {
            let node = nodes[index]
            switch node.kind {
            case .null: output.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            case .true: output.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
            case .false: output.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
            case .integer, .float: output.append(contentsOf: bytes(node))
            case .string: CanonicalJSON.writeString(bytes(node), to: &output)
            case .array:
                output.append(UInt8(ascii: "["))
                var child = index + 1
                let end = Int(node.length)
                var first = true
                while child < end {
                    if !first { output.append(0x2C); output.append(0x20) }
                    first = false
                    write(child, to: &output)
                    let childNode = nodes[child]
                    child = childNode.kind == .array || childNode.kind == .object ? Int(childNode.length) : child + 1
                }
                output.append(UInt8(ascii: "]"))
            case .object:
                writeObject(index, excluding: nil, to: &output)
            }
        }

        func writeObject(_ index: Int, excluding excluded: [UInt8]?, to output: inout [UInt8]) {
            let node = nodes[index]
            output.append(UInt8(ascii: "{"))
            let memberCount = Int(node.start) / 2
            var first = true
            for k in 0..<memberCount {
                let key = Int(sortedKeys[Int(node.sorted) + k])
                let keyBytes = bytes(nodes[key])
                if let excluded, keyBytes.elementsEqual(excluded) { continue }
                if !first { output.append(0x2C); output.append(0x20) }
                first = false
                CanonicalJSON.writeString(keyBytes, to: &output)
                output.append(0x3A)
                output.append(0x20)
                write(key + 1, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }

        @inline(__always)
        func bytes(_ node: JSONTape.Node) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: arena[Int(node.start)..<Int(node.start + node.length)])
        }
    }
}
