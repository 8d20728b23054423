/// The values of a few keys for examples asked about in ascending key order, read from the slice
/// index's rows in their stored form (`SliceIndexCoding`) as they are asked: per key, a cursor on
/// each value's postings, kept in a heap by the next example each holds, and one on the examples
/// that hold the key without a value (an empty list). Memory holds the rows as stored (about 1.3
/// bytes a posting) and a cursor a value, not a list of the examples: `report` and `compare` ask
/// about their results' examples in key order. Asking about a smaller key than the last starts
/// the cursors again (`trend`'s next run of a version).
final class SliceValueStream {
    /// The keys, in the order they were given (each once).
    let names: [ExactString]
    /// Each key's values, by value number.
    let values: [[String]]
    /// After `move(to:)`: whether the example has key k (an empty list counts) ...
    private(set) var present: [Bool]
    /// ... and the numbers of its values of key k, ascending.
    private(set) var numbers: [[Int32]]
    private var columns: [Column]
    private let storage: UnsafeMutableRawBufferPointer
    private var last: Int64 = -1

    /// `rows`: each key's row as stored (nil for a key no example has), copied here. Throws
    /// `SliceIndexCoding.DamagedIndex` when a row does not decode, `WideKey` for a wide key's.
    init(rows: [(name: ExactString, row: UnsafeRawBufferPointer?)]) throws {
        var chosen: [(name: ExactString, row: UnsafeRawBufferPointer?)] = []
        for entry in rows where !chosen.contains(where: { $0.name == entry.name }) { chosen.append(entry) }
        storage = .allocate(byteCount: chosen.reduce(0) { $0 + ($1.row?.count ?? 0) }, alignment: 8)
        var offset = 0
        var columns: [Column] = []
        do {
            for (_, row) in chosen {
                if let row, SliceIndexCoding.isWide(row) { throw SliceIndexCoding.WideKey() }
                guard let row else {
                    columns.append(try Column(UnsafeRawBufferPointer(start: nil, count: 0)))
                    continue
                }
                let copy = UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + row.count])
                copy.copyMemory(from: row)
                offset += row.count
                columns.append(try Column(UnsafeRawBufferPointer(copy)))
            }
        } catch {
            storage.deallocate()
            throw error
        }
        self.columns = columns
        names = chosen.map(\.name)
        values = columns.map(\.values)
        present = Array(repeating: false, count: columns.count)
        numbers = Array(repeating: [], count: columns.count)
    }

    deinit { storage.deallocate() }

    /// Reads the values of `example` into `present` and `numbers`.
    func move(to example: Int64) throws {
        guard example != last else { return }
        if example < last {
            for k in columns.indices { try columns[k].restart() }
        }
        last = example
        for k in columns.indices { present[k] = try columns[k].read(example, into: &numbers[k]) }
    }

    /// The example's values as its record would give them (a key it lacks is absent), after `move(to:)`.
    var sliceValues: SliceValues {
        var byKey: [ExactString: [String]] = [:]
        for k in names.indices where present[k] { byKey[names[k]] = numbers[k].map { values[k][Int($0)] } }
        return SliceValues(byKey: byKey)
    }

    /// One key's row: where each value's postings start, a cursor on each and a heap of them.
    private struct Column {
        let row: UnsafeRawBufferPointer
        var values: [String] = []
        var starts: [Int] = []
        var valuelessStart = 0
        var cursors: [PostingsCursor] = []
        /// Each cursor's current example; Int64.max once it has none left.
        var heads: [Int64] = []
        /// Value numbers, a min-heap by `heads`.
        var heap: [Int32] = []
        var valueless: PostingsCursor?

        /// Checks the row's layout (each value's postings skipped, the row read to its end).
        init(_ row: UnsafeRawBufferPointer) throws {
            self.row = row
            guard !row.isEmpty else { return }
            var reader = SliceIndexCoding.Reader(row)
            let count = try reader.number()
            for _ in 0..<count {
                values.append(try reader.string())
                starts.append(reader.offset)
                let postings = try reader.number()
                try PostingsCursor.skip(postings, in: row, at: &reader.offset)
            }
            valuelessStart = reader.offset
            try PostingsCursor.skip(try reader.number(), in: row, at: &reader.offset)
            guard reader.offset == row.count else { throw SliceIndexCoding.DamagedIndex() }
            try restart()
        }

        mutating func restart() throws {
            guard !row.isEmpty else { return }
            cursors = try starts.map { try PostingsCursor(postings: UnsafeRawBufferPointer(rebasing: row[$0...])) }
            heads = []
            for k in cursors.indices { heads.append(try cursors[k].next().map(Int64.init) ?? .max) }
            heap = Array(0..<Int32(cursors.count))
            for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
            valueless = try PostingsCursor(postings: UnsafeRawBufferPointer(rebasing: row[valuelessStart...]))
        }

        /// The numbers of the values `example` holds (ascending) into `numbers`; whether it has the
        /// key. Examples are asked about in ascending order.
        mutating func read(_ example: Int64, into numbers: inout [Int32]) throws -> Bool {
            numbers.removeAll(keepingCapacity: true)
            guard !row.isEmpty else { return false }
            let key = UInt32(truncatingIfNeeded: example)
            while let top = heap.first, heads[Int(top)] < example {
                heads[Int(top)] = try cursors[Int(top)].first(atLeast: key).map(Int64.init) ?? .max
                siftDown(0)
            }
            while let top = heap.first, heads[Int(top)] == example {
                numbers.append(top)
                heads[Int(top)] = try cursors[Int(top)].next().map(Int64.init) ?? .max
                siftDown(0)
            }
            if numbers.count > 1 { numbers.sort() }
            guard numbers.isEmpty else { return true }
            return try valueless?.first(atLeast: key) == key
        }

        private mutating func siftDown(_ start: Int) {
            var i = start
            while true {
                let left = 2 * i + 1, right = left + 1
                var smallest = i
                if left < heap.count && heads[Int(heap[left])] < heads[Int(heap[smallest])] { smallest = left }
                if right < heap.count && heads[Int(heap[right])] < heads[Int(heap[smallest])] { smallest = right }
                guard smallest != i else { return }
                heap.swapAt(i, smallest)
                i = smallest
            }
        }
    }
}
