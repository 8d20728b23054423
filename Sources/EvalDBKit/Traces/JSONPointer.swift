/// An RFC 6901 JSON pointer (`/request/messages/0`): where a field of a trace is in a line of
/// another shape. `~1` stands for `/` and `~0` for `~` in a token; a token names an object member
/// (compared byte for byte) or an array index (decimal, no leading zero).
public struct JSONPointer: Sendable, Equatable, CustomStringConvertible {
    /// The reference tokens, unescaped, as UTF-8.
    let tokens: [[UInt8]]
    public let description: String

    /// Throws `EvalDBError.invalidSamplePlan` when `text` is not a pointer (it must be empty or start with `/`).
    public init(parsing text: String) throws {
        guard text.isEmpty || text.hasPrefix("/") else {
            throw EvalDBError.invalidSamplePlan(.pointerWithoutSlash(text))
        }
        var tokens: [[UInt8]] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            var token: [UInt8] = []
            var bytes = Array(part.utf8)[...]
            while let byte = bytes.popFirst() {
                guard byte == UInt8(ascii: "~") else {
                    token.append(byte)
                    continue
                }
                switch bytes.popFirst() {
                case UInt8(ascii: "0"): token.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): token.append(UInt8(ascii: "/"))
                default: throw EvalDBError.invalidSamplePlan(.pointerBadEscape(text))
                }
            }
            tokens.append(token)
        }
        self.tokens = tokens
        description = text
    }

    /// A pointer to one member of the root object.
    init(member name: String) {
        tokens = [Array(name.utf8)]
        description = "/" + name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// The node this pointer names in `tape` from node `root`, or nil when there is none.
    func resolve(in tape: JSONTape, from root: Int = 0) -> Int? {
        var node = root
        for token in tokens {
            switch tape.nodes[node].kind {
            case .object:
                guard let member = tape.member(node, bytes: token) else { return nil }
                node = member
            case .array:
                guard let index = Self.arrayIndex(token) else { return nil }
                var child = node + 1, position = 0
                let end = Int(tape.nodes[node].length)
                while child < end && position < index {
                    child = tape.next(after: child)
                    position += 1
                }
                guard child < end else { return nil }
                node = child
            default:
                return nil
            }
        }
        return node
    }

    private static func arrayIndex(_ token: [UInt8]) -> Int? {
        guard !token.isEmpty, token.count < 10, token.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
        if token.count > 1 && token[0] == UInt8(ascii: "0") { return nil }
        return token.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}

extension JSONTape {
    /// The value node of the member whose key is `key` (UTF-8, compared byte for byte) in the object
    /// at `index`; allocates nothing.
    func member(_ index: Int, bytes key: [UInt8]) -> Int? {
        nodes.withUnsafeBufferPointer { nodes in
            arena.withUnsafeBufferPointer { arena in
                key.withUnsafeBufferPointer { key in
                    var child = index + 1
                    let end = Int(nodes[index].length)
                    while child < end {
                        let value = child + 1
                        let node = nodes[child]
                        if Int(node.length) == key.count
                            && (key.count == 0 || memcmpBytes(arena.baseAddress! + Int(node.start), key.baseAddress!, key.count) == 0)
                        {
                            return value
                        }
                        let valueNode = nodes[value]
                        child = valueNode.kind == .array || valueNode.kind == .object ? Int(valueNode.length) : value + 1
                    }
                    return nil
                }
            }
        }
    }
}
