import Foundation

/// Many ids kept compactly, in order: each as its UTF-8 length (a varint) and bytes, back to back
/// (a `String` of more than 15 bytes costs 16 and an allocation of its own). Beyond `memoryLimit`
/// bytes they go on to an anonymous temporary file (`tmpfile`, gone when the last copy of the list
/// is), written a buffer at a time and read back as the list is iterated: `compare`'s flipped
/// examples, which may be most of a run (3.2 million ids at ten million examples), take the buffer
/// of memory, not their size.
public struct IdList: Sequence, Sendable, Equatable, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The ids not written to the file yet, after those that are.
    private var buffer: [UInt8] = []
    private var spill: ScratchFile?
    /// How many bytes of the file hold this list's ids (a copy made before an append keeps its own).
    private var spilled = 0
    private let memoryLimit: Int
    public private(set) var count = 0

    /// The bytes of ids kept in memory, by default.
    static let defaultMemoryLimit = 1 << 20

    public init() { self.init(memoryLimit: Self.defaultMemoryLimit) }

    /// `memoryLimit`: the bytes kept in memory before they are written to the file.
    init(memoryLimit: Int) { self.memoryLimit = Swift.max(1, memoryLimit) }

    public init(arrayLiteral ids: String...) {
        self.init()
        for id in ids { buffered(id) }  // kept in memory, whatever the limit
    }

    public var isEmpty: Bool { count == 0 }

    /// The first id; nil when there is none.
    public var first: String? {
        var ids = makeIterator()
        return ids.next()
    }

    /// Throws `EvalDBError.cannotWrite` when the temporary file cannot be written.
    public mutating func append(_ id: String) throws {
        buffered(id)
        if buffer.count >= memoryLimit { try write() }
    }

    private mutating func buffered(_ id: String) {
        var length = id.utf8.count
        while length >= 0x80 {
            buffer.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        buffer.append(UInt8(length))
        buffer.append(contentsOf: id.utf8)
        count += 1
    }

    /// Moves the buffer to the end of this list's part of the file.
    private mutating func write() throws {
        if spill == nil || !isKnownUniquelyReferenced(&spill) || spill!.length != spilled {
            // Another copy shares the file (or wrote past this list's part): a file of its own.
            let own = ScratchFile(of: "ids")
            if let spill { try own.append(copying: spill, length: spilled) }
            spill = own
        }
        try spill!.append(contentsOf: buffer)
        spilled = spill!.length
        buffer.removeAll(keepingCapacity: true)
    }

    public static func == (a: IdList, b: IdList) -> Bool {
        a.count == b.count && a.elementsEqual(b) { $0.utf8.elementsEqual($1.utf8) }
    }

    public var description: String { Array(self).description }

    public func makeIterator() -> Iterator { Iterator(self) }

    /// The ids in order: the file's part read a chunk at a time, then the buffer.
    public struct Iterator: IteratorProtocol {
        private let list: IdList
        private var chunk: [UInt8] = []
        private var position = 0
        /// Where in the file the next chunk starts; past `list.spilled`: the buffer is being read.
        private var offset = 0
        private var inBuffer = false

        init(_ list: IdList) {
            self.list = list
            if list.spilled == 0 {
                chunk = list.buffer
                inBuffer = true
            }
        }

        public mutating func next() -> String? {
            while true {
                if let id = parsed() { return id }
                if inBuffer { return nil }
                // The rest of the file's part, a chunk at a time, what is left of the last one first.
                let rest = Array(chunk[position...])
                let size = Swift.min(1 << 20, list.spilled - offset)
                if size == 0 {
                    precondition(rest.isEmpty, "an id cut off at the end of the temporary file")
                    chunk = list.buffer
                    position = 0
                    inBuffer = true
                    continue
                }
                do {
                    chunk = rest + (try list.spill!.read(at: offset, count: size))
                } catch {
                    preconditionFailure("the temporary file of ids could not be read back: \(error)")
                }
                offset += size
                position = 0
            }
        }

        /// The id at `position` in `chunk` when all of it is there.
        private mutating func parsed() -> String? {
            var length = 0, shift = 0, i = position
            while true {
                guard i < chunk.count else { return nil }
                let byte = chunk[i]
                i += 1
                length |= Int(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            guard chunk.count - i >= length else { return nil }
            position = i + length
            return String(decoding: chunk[i..<i + length], as: UTF8.self)
        }
    }
}
