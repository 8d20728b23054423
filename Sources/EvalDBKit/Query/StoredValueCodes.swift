/// One key's value numbers for examples asked about in ascending order, read from its stored row
/// (`SliceIndexCoding`) as they are asked for: a cursor on each value's postings, the cursors in
/// a heap by the example each is at. It holds the row (where SQLite has it) and a cursor a value,
/// nothing an example: `slice --count-by tags,feature` over ten million examples, most with
/// several tags, would otherwise hold a list of codes for each of them. Valid while the row is.
struct StoredValueCodes {
    /// The values, numbered in the row's order.
    let values: [String]
    /// Each value's postings from their start.
    private var starts: [PostingsCursor] = []
    private var cursors: [PostingsCursor] = []
    /// A min-heap of (example, value number): the example each cursor is at.
    private var heap: [(example: UInt32, code: Int32)] = []

    /// A key no example has: no value.
    init() { values = [] }

    init(row: UnsafeRawBufferPointer) throws {
        guard !SliceIndexCoding.isWide(row) else { throw SliceIndexCoding.WideKey() }
        var reader = SliceIndexCoding.Reader(row)
        var values: [String] = []
        for _ in 0..<(try reader.number()) {
            values.append(try reader.string())
            let start = reader.offset
            try PostingsCursor.skip(try reader.number(), in: row, at: &reader.offset)
            var cursor = try PostingsCursor(postings: UnsafeRawBufferPointer(rebasing: row[start..<reader.offset]))
            starts.append(cursor)
            if let first = try cursor.next() { heap.append((first, Int32(values.count - 1))) }
            cursors.append(cursor)
        }
        self.values = values
        for i in heap.indices.reversed() { siftDown(i) }  // already in order of value numbers, not of examples
    }

    /// The examples that hold the value numbered `number`, from the first.
    func postings(ofValue number: Int) -> PostingsCursor { starts[number] }

    /// The numbers of the values `example` holds, ascending, into `codes` (none: empty). Examples
    /// must be asked about in ascending order.
    mutating func codes(of example: UInt32, into codes: inout [Int32]) throws {
        codes.removeAll(keepingCapacity: true)
        while let top = heap.first, top.example <= example {
            if top.example == example { codes.append(top.code) }
            let cursor = Int(top.code)
            let next = top.example < example ? try cursors[cursor].first(atLeast: example) : try cursors[cursor].next()
            if let next {
                heap[0] = (next, top.code)
            } else {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
            }
            if !heap.isEmpty { siftDown(0) }
        }
    }

    private static func less(_ a: (example: UInt32, code: Int32), _ b: (example: UInt32, code: Int32)) -> Bool {
        a.example < b.example || (a.example == b.example && a.code < b.code)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var smallest = parent
            let left = 2 * parent + 1, right = left + 1
            if left < heap.count && Self.less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.less(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
