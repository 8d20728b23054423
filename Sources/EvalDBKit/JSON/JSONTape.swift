#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A parsed JSON text kept as a flat list of nodes in document order, with the decoded bytes of
/// strings and the canonical spelling of numbers in one byte arena.
///
/// A tape is reused from line to line: once its buffers have grown, parsing allocates nothing.
/// Containers know where their subtree ends, so skipping a value is O(1).
struct JSONTape: Sendable {
    enum Kind: UInt8, Sendable {
        case null, `true`, `false`, integer, float, string, array, object
    }

    struct Node: Sendable {
        var kind: Kind
        /// Strings and numbers: offset of their bytes in `arena`. Containers: number of children
        /// (an object's children are its keys and values, alternating).
        var start: Int32
        /// Strings and numbers: byte count in `arena`. Containers: index of the first node after
        /// the subtree.
        var length: Int32
        /// Byte offset of the value in the parsed text, for error positions.
        var source: Int32
        /// Objects: offset in `sortedKeys` of their key nodes, sorted by code point.
        var sorted: Int32 = 0
    }

    internal(set) var nodes: [Node] = []
    /// Decoded UTF-8 of every string (keys too) and the canonical text of every number.
    internal(set) var arena: [UInt8] = []
    /// For each object, the indices of its key nodes in code point order (see `Node.sorted`).
    internal(set) var sortedKeys: [Int32] = []
    /// The parsed text was written in canonical form already: its canonical text is the text
    /// itself, byte for byte, and need not be written.
    internal(set) var isCanonical = false

    init() {
        nodes.reserveCapacity(256)
        arena.reserveCapacity(4096)
    }

    /// A copy whose buffers hold just what this tape holds: a tape to keep, where the tape parsed
    /// into is reused.
    func compacted() -> JSONTape {
        var copy = JSONTape(reserving: false)
        copy.nodes = nodes.withUnsafeBufferPointer { Array($0) }
        copy.arena = arena.withUnsafeBufferPointer { Array($0) }
        copy.sortedKeys = sortedKeys.withUnsafeBufferPointer { Array($0) }
        copy.isCanonical = isCanonical
        return copy
    }

    private init(reserving: Bool) {}

    mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        sortedKeys.removeAll(keepingCapacity: true)
    }

    /// Index of the node after `index`'s whole subtree.
    @inline(__always)
    func next(after index: Int) -> Int {
        let node = nodes[index]
        return node.kind == .array || node.kind == .object ? Int(node.length) : index + 1
    }

    /// The bytes of a string or number node.
    @inline(__always)
    func bytes(_ index: Int) -> ArraySlice<UInt8> {
        let node = nodes[index]
        return arena[Int(node.start)..<Int(node.start + node.length)]
    }

    func string(_ index: Int) -> String {
        String(decoding: bytes(index), as: UTF8.self)
    }

    /// The (key node, value node) pairs of an object, in document order.
    func members(_ index: Int) -> [(key: Int, value: Int)] {
        var result: [(key: Int, value: Int)] = []
        var child = index + 1
        let end = Int(nodes[index].length)
        while child < end {
            let value = child + 1
            result.append((child, value))
            child = next(after: value)
        }
        return result
    }

    /// The element nodes of an array.
    func elements(_ index: Int) -> [Int] {
        var result: [Int] = []
        var child = index + 1
        let end = Int(nodes[index].length)
        while child < end {
            result.append(child)
            child = next(after: child)
        }
        return result
    }

    /// The value node of `key` in the object at `index`, compared byte for byte.
    /// Allocates nothing: it runs for every field of every line read.
    func member(_ index: Int, _ key: String) -> Int? {
        var key = key
        return key.withUTF8 { wanted in
            arena.withUnsafeBufferPointer { arena in
                var child = index + 1
                let end = Int(nodes[index].length)
                while child < end {
                    let node = nodes[child]
                    if Int(node.length) == wanted.count
                        && (wanted.isEmpty || memcmp(arena.baseAddress! + Int(node.start), wanted.baseAddress!, wanted.count) == 0)
                    {
                        return child + 1
                    }
                    child = next(after: child + 1)
                }
                return nil
            }
        }
    }
}
