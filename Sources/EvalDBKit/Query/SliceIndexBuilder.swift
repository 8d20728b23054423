/// Adds examples' values to a slice index, as slice sees them (`SliceValues`): each label key,
/// and each top-level field but the unindexed ones, a label hiding a field of the same name.
///
/// Past `memoryLimit` bytes of postings it writes them out as a run (`PostingsRun`) to a
/// temporary file and starts afresh; `finish` joins each key's runs, a key at a time. Building
/// the index of ten million examples (about 100 MB of postings) then holds its budget and one
/// key's row, not the whole index. A key past `valueLimit` distinct values is wide
/// (`SliceIndex.defaultValueLimit`): its values and postings are let go of, and it is stored as
/// an empty row.
struct SliceIndexBuilder {
    private var keyTable = ValueTable()
    private var keyNames: [String] = []
    private var keyIsIndexed: [Bool] = []
    private var keyIsWide: [Bool] = []
    private var valueTables: [ValueTable] = []
    private var postings: [[PostingsBuffer]] = []
    private var valueless: [PostingsBuffer] = []
    private var live = PostingsBuffer()
    private var tape = JSONTape()
    private var scratch: [UInt8] = []
    private var reduced: [UInt8] = []
    private var labelKeys: [Int] = []
    private var fields: [(key: Int, value: Int)] = []
    /// The postings written out, in the order of their examples; those in memory come after.
    private var runs: [PostingsRun] = []
    private var spill: ScratchFile?
    /// The bytes the postings in memory take (`PostingsBuffer.memorySize`).
    private var held = 0
    private let memoryLimit: Int
    private let rowsMemoryLimit: Int
    private let valueLimit: Int

    /// The bytes of postings held in memory before they are written out, by default.
    static let defaultMemoryLimit = 16 << 20

    /// `memoryLimit`: the bytes of postings held before they are written out; `rowsMemoryLimit`:
    /// those of the finished rows (`SliceIndexRows`).
    init(
        memoryLimit: Int = Self.defaultMemoryLimit, rowsMemoryLimit: Int = SliceIndexRows.defaultMemoryLimit,
        valueLimit: Int = SliceIndex.defaultValueLimit
    ) {
        self.memoryLimit = memoryLimit
        self.rowsMemoryLimit = rowsMemoryLimit
        self.valueLimit = valueLimit
    }

    /// Adds what `other` holds: examples whose keys are all greater than those added here (the
    /// upper half of the examples, built on another thread). Each of its postings is let go of
    /// once appended, so that the two halves are not held twice; its runs are taken as they are,
    /// after these postings (written out first when it has any).
    mutating func append(_ other: consuming SliceIndexBuilder) throws(EvalDBError) {
        var other = other
        live.append(contentsOf: other.live)
        other.live = PostingsBuffer()
        // Their key and value numbers in this builder: every value of theirs, whether its
        // postings are in memory or in a run. A key wide in either is wide here, its values not
        // numbered.
        var keys: [Int] = []
        var values: [[Int]] = []
        for theirs in other.keyNames.indices {
            let number = keyNumber(other.keyNames[theirs])
            keys.append(number)
            if other.keyIsWide[theirs] { makeWide(number) }
            values.append(
                keyIsWide[number]
                    ? [] : (0..<other.valueTables[theirs].count).map { other.valueTables[theirs].withBytes($0) { valueTables[number].intern($0) } })
            if valueTables[number].count > valueLimit { makeWide(number) }
        }
        if !other.runs.isEmpty {
            try writeRun()
            for run in other.runs { runs.append(run.renumbered(keys: keys, values: values)) }
            other.runs = []
        }
        for theirs in other.keyNames.indices where !keyIsWide[keys[theirs]] {
            let number = keys[theirs]
            held += other.valueless[theirs].memorySize
            valueless[number].append(contentsOf: other.valueless[theirs])
            other.valueless[theirs] = PostingsBuffer()
            for value in other.postings[theirs].indices where !other.postings[theirs][value].isEmpty {
                let valueNumber = values[theirs][value]
                while postings[number].count <= valueNumber { postings[number].append(PostingsBuffer()) }
                held += other.postings[theirs][value].memorySize
                postings[number][valueNumber].append(contentsOf: other.postings[theirs][value])
                other.postings[theirs][value] = PostingsBuffer()
            }
        }
        if held > memoryLimit { try writeRun() }
    }

    /// Writes the postings in memory out as a run and lets go of them.
    private mutating func writeRun() throws(EvalDBError) {
        guard held > 0 else { return }
        if spill == nil { spill = ScratchFile(of: "slice index postings") }
        var run = PostingsRun(file: spill!)
        var section: [UInt8] = []
        for key in keyNames.indices {
            section.removeAll(keepingCapacity: true)
            var pieces = 0
            if !valueless[key].isEmpty {
                SliceIndexCoding.append(0, to: &section)
                valueless[key].writeRun(to: &section)
                valueless[key] = PostingsBuffer()
                pieces += 1
            }
            for value in postings[key].indices where !postings[key][value].isEmpty {
                SliceIndexCoding.append(value + 1, to: &section)
                postings[key][value].writeRun(to: &section)
                postings[key][value] = PostingsBuffer()
                pieces += 1
            }
            if !section.isEmpty {
                let start = try spill!.append(contentsOf: section)
                run.sections[key] = start..<start + section.count
                run.pieceCounts[key] = pieces
            }
        }
        runs.append(run)
        held = 0
    }

    /// Lets go of the values and postings of the key numbered `key`, which has more values than
    /// the index keeps; its pieces in runs are not read.
    private mutating func makeWide(_ key: Int) {
        guard !keyIsWide[key] else { return }
        keyIsWide[key] = true
        held -= postings[key].reduce(valueless[key].memorySize - MemoryLayout<PostingsBuffer>.stride) {
            $0 + $1.memorySize - MemoryLayout<PostingsBuffer>.stride
        }
        postings[key] = []
        valueless[key] = PostingsBuffer()
        valueTables[key] = ValueTable()
    }

    private mutating func keyNumber(_ name: String) -> Int {
        var name = name
        return name.withUTF8 { keyNumber($0) }
    }

    private mutating func keyNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let number = keyTable.intern(bytes)
        if number == keyNames.count {
            let name = String(decoding: bytes, as: UTF8.self)
            keyNames.append(name)
            keyIsIndexed.append(SliceIndex.isIndexed(name))
            keyIsWide.append(false)
            valueTables.append(ValueTable())
            postings.append([])
            valueless.append(PostingsBuffer())
        }
        return number
    }

    /// Adds the live example `example` with its canonical record, reading only the members the
    /// index holds: the long ones (`input`, `context`, ...) are skipped byte by byte, not parsed.
    mutating func add(_ example: UInt32, canonicalRecord record: UnsafeBufferPointer<UInt8>) throws(EvalDBError) {
        var reduced: [UInt8] = []
        swap(&reduced, &self.reduced)
        defer { swap(&reduced, &self.reduced) }
        if CanonicalMembers.indexed(of: record, into: &reduced) {
            reduced.withUnsafeBufferPointer { adding(example, record: $0) }
        } else {
            adding(example, record: record)
        }
        if held > memoryLimit { try writeRun() }
    }

    /// Adds the live example `example` with its record.
    mutating func add(_ example: UInt32, record: UnsafeBufferPointer<UInt8>) throws(EvalDBError) {
        adding(example, record: record)
        if held > memoryLimit { try writeRun() }
    }

    private mutating func adding(_ example: UInt32, record: UnsafeBufferPointer<UInt8>) {
        // The tape is taken out of `self` while it is read, so that writing the tables does not copy it.
        var tape = JSONTape()
        swap(&tape, &self.tape)
        defer { swap(&tape, &self.tape) }
        guard (try? JSONParser.parse(record, into: &tape)) != nil, tape.nodes[0].kind == .object else { return }
        live.append(example)
        labelKeys.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        tape.arena.withUnsafeBufferPointer { arena in
            func bytes(_ node: Int) -> UnsafeBufferPointer<UInt8> {
                let start = Int(tape.nodes[node].start)
                return UnsafeBufferPointer(rebasing: arena[start..<start + Int(tape.nodes[node].length)])
            }
            var child = 1
            let end = Int(tape.nodes[0].length)
            while child < end {
                let key = child, value = child + 1
                child = tape.next(after: value)
                if bytes(key).elementsEqual("labels".utf8) {
                    guard tape.nodes[value].kind == .object else { continue }
                    var member = value + 1
                    let labelsEnd = Int(tape.nodes[value].length)
                    while member < labelsEnd {
                        let labelValue = member + 1
                        let number = keyNumber(bytes(member))
                        labelKeys.append(number)
                        if keyIsIndexed[number] && !keyIsWide[number] { addValues(number, labelValue, example, tape, bytes) }
                        member = tape.next(after: labelValue)
                    }
                } else {
                    fields.append((key, value))
                }
            }
            for (key, value) in fields {
                let number = keyNumber(bytes(key))
                if keyIsIndexed[number] && !keyIsWide[number] && !labelKeys.contains(number) { addValues(number, value, example, tape, bytes) }
            }
        }
    }

    /// The index of `version`, each key in its stored form (`SliceIndexCoding`), empty keys left
    /// out, a key at a time. Each key's postings are let go of once encoded: the index is not held
    /// twice. When postings were written out, the rest are too, and each key's row is put
    /// together from the runs, each value's pieces read where they are: it holds that row alone.
    consuming func finish(version: Int) throws -> EncodedSliceIndex {
        var rows = SliceIndexRows(memoryLimit: rowsMemoryLimit)
        if !runs.isEmpty {
            try writeRun()
            postings = []  // every one written out: only their value numbers' places were left
        }
        for number in keyNames.indices where keyIsIndexed[number] {
            let name = ExactString(keyNames[number])
            if keyIsWide[number] {
                try rows.append(name, SliceIndexCoding.wideRow)
                continue
            }
            guard runs.isEmpty else {
                if let row = try joinedRow(ofKey: number) { try rows.append(name, row) }
                valueTables[number] = ValueTable()
                continue
            }
            defer {
                postings[number] = []
                valueless[number] = PostingsBuffer()
            }
            let held = postings[number].indices.filter { !postings[number][$0].isEmpty }
            guard !valueless[number].isEmpty || !held.isEmpty else { continue }
            var data: [UInt8] = []
            // Room for the whole row, the values' text included: grown, it would be held twice.
            data.reserveCapacity(
                held.reduce(valueless[number].encodedSize + 10) { $0 + postings[number][$1].encodedSize + valueTables[number].length($1) + 10 })
            SliceIndexCoding.append(held.count, to: &data)
            for value in held {
                valueTables[number].withBytes(value) { text in
                    SliceIndexCoding.append(text.count, to: &data)
                    data.append(contentsOf: text)
                }
                postings[number][value].encode(to: &data)
            }
            valueless[number].encode(to: &data)
            try rows.append(name, data)
        }
        return EncodedSliceIndex(version: version, live: live, rows: rows)
    }

    /// The row of the key numbered `key` from the runs' pieces of its postings: first where each
    /// piece is and what it holds, put in value order by a counting sort (run order kept within a
    /// value; flat arrays, not an array a value: a key can have a value an example), then the row
    /// written value by value, each piece's gaps read from the file into it (the first rebased on
    /// the last example before it). Nil when no example has the key.
    private func joinedRow(ofKey key: Int) throws -> [UInt8]? {
        let valueless = valueTables[key].count  // the valueless are put last, as this number
        var pieces: [PostingsRun.Piece] = []
        var valueOfPiece: [UInt32] = []
        let count = runs.reduce(0) { $0 + ($1.pieceCounts[key] ?? 0) }
        pieces.reserveCapacity(count)
        valueOfPiece.reserveCapacity(count)
        for run in runs {
            try run.forEachPiece(ofKey: key) { value, piece in
                pieces.append(piece)
                valueOfPiece.append(UInt32(value ?? valueless))
            }
        }
        guard !pieces.isEmpty else { return nil }
        // `start[v]..<start[v + 1]` of `order` are the pieces of value v.
        var start = [UInt32](repeating: 0, count: valueless + 2)
        for value in valueOfPiece { start[Int(value) + 1] += 1 }
        for value in 0...valueless { start[value + 1] += start[value] }
        var order = [UInt32](repeating: 0, count: pieces.count)
        do {
            var next = start
            for (piece, value) in valueOfPiece.enumerated() {
                order[Int(next[Int(value)])] = UInt32(piece)
                next[Int(value)] += 1
            }
        }
        valueOfPiece = []
        let held = (0..<valueless).filter { start[$0 + 1] > start[$0] }
        var data: [UInt8] = []
        data.reserveCapacity(
            pieces.reduce(16) { $0 + Int($1.gapsLength) + 5 } + held.reduce(0) { $0 + valueTables[key].length($1) + 10 })
        func write(_ value: Int) throws {
            let mine = order[Int(start[value])..<Int(start[value + 1])]
            SliceIndexCoding.append(mine.reduce(0) { $0 + Int(pieces[Int($1)].count) }, to: &data)
            var last: UInt32?
            for number in mine {
                let piece = pieces[Int(number)]
                let skipped = last == nil ? 0 : Int(piece.firstGapLength)
                if let last { SliceIndexCoding.append(Int(piece.first - last), to: &data) }
                data += try piece.file.read(at: piece.gapsOffset + skipped, count: Int(piece.gapsLength) - skipped)
                last = piece.last
            }
        }
        SliceIndexCoding.append(held.count, to: &data)
        for value in held {
            valueTables[key].withBytes(value) { text in
                SliceIndexCoding.append(text.count, to: &data)
                data.append(contentsOf: text)
            }
            try write(value)
        }
        try write(valueless)
        return data
    }

    private mutating func addValues(
        _ key: Int, _ node: Int, _ example: UInt32, _ tape: JSONTape,
        _ bytes: (Int) -> UnsafeBufferPointer<UInt8>
    ) {
        guard tape.nodes[node].kind == .array else {
            addValue(key, node, example, tape, bytes, inList: false)
            return
        }
        var element = node + 1
        let end = Int(tape.nodes[node].length)
        if element == end {
            held += valueless[key].append(example)
            return
        }
        while element < end {
            addValue(key, element, example, tape, bytes, inList: true)
            element = tape.next(after: element)
        }
    }

    /// One value: a string as its text, a list inside a list as its first value, anything else as
    /// its canonical JSON (as `SliceValues.values`).
    private mutating func addValue(
        _ key: Int, _ node: Int, _ example: UInt32, _ tape: JSONTape,
        _ bytes: (Int) -> UnsafeBufferPointer<UInt8>, inList: Bool
    ) {
        guard !keyIsWide[key] else { return }  // made wide by an earlier element of the list
        let number: Int
        switch tape.nodes[node].kind {
        case .string, .integer, .float:
            number = valueTables[key].intern(bytes(node))
        case .array where inList:
            if Int(tape.nodes[node].length) == node + 1 {
                number = valueTables[key].intern("")
            } else {
                addValue(key, node + 1, example, tape, bytes, inList: true)
                return
            }
        default:
            scratch.removeAll(keepingCapacity: true)
            CanonicalJSON.write(tape, node, to: &scratch)
            number = scratch.withUnsafeBufferPointer { valueTables[key].intern($0) }
        }
        if number >= valueLimit {  // numbered from 0: the value past the limit
            makeWide(key)
            return
        }
        while postings[key].count <= number { postings[key].append(PostingsBuffer()) }
        held += postings[key][number].append(example)
    }
}

/// Postings a builder wrote out to keep within its budget (`SliceIndexBuilder`): for each key
/// that had any, the bytes of `file` that hold its section, a list of `value + 1` (0 for the
/// valueless) and its postings (`PostingsBuffer.writeRun`).
struct PostingsRun {
    let file: ScratchFile
    /// By the builder's key number.
    var sections: [Int: Range<Int>] = [:]
    /// How many pieces each section holds (values, and the valueless), by the builder's key number.
    var pieceCounts: [Int: Int] = [:]
    /// For a run another builder wrote: each key's value numbers there (by the builder's key
    /// number), their numbers in the builder; none: the builder's own numbers.
    private var valueNumbers: [Int: [Int]] = [:]

    init(file: ScratchFile) { self.file = file }

    /// The run, written by another builder, with its keys and values numbered as in this one:
    /// `keys[k]` is key k there, `values[k][v]` its value v.
    func renumbered(keys: [Int], values: [[Int]]) -> PostingsRun {
        var run = PostingsRun(file: file)
        for (theirs, range) in sections {
            run.sections[keys[theirs]] = range
            run.pieceCounts[keys[theirs]] = pieceCounts[theirs]
            run.valueNumbers[keys[theirs]] = values[theirs]
        }
        return run
    }

    /// Where one value's postings of a run are, and their first and last example (40 bytes: a
    /// key with a value an example holds has a piece an example).
    struct Piece {
        let file: ScratchFile
        let count: UInt32
        let first: UInt32
        let last: UInt32
        /// The gaps' bytes (a run holds less than 4 GiB of postings).
        let gapsLength: UInt32
        /// Where the gaps start in the file.
        let gapsOffset: Int
        /// The bytes of the first gap (the first example, from 0): at most 5.
        let firstGapLength: UInt8
    }

    /// Each value's piece of the key numbered `key` (`nil`: the valueless), in the run's order;
    /// the section is read, the postings are not kept.
    func forEachPiece(ofKey key: Int, _ body: (_ value: Int?, Piece) throws -> Void) throws {
        guard let range = sections[key] else { return }
        let values = valueNumbers[key]
        let bytes = try file.read(at: range.lowerBound, count: range.count)
        try bytes.withUnsafeBytes { bytes in
            var reader = SliceIndexCoding.Reader(bytes)
            while reader.offset < bytes.count {
                let value = try reader.number()
                let count = try reader.number()
                let last = try reader.number()
                let length = try reader.number()
                let gapsStart = reader.offset
                guard count > 0, length <= bytes.count - gapsStart else { throw SliceIndexCoding.DamagedIndex() }
                let first = try reader.number()
                guard count <= UInt32.max, length <= UInt32.max, reader.offset - gapsStart <= 5 else { throw SliceIndexCoding.DamagedIndex() }
                let piece = Piece(
                    file: file, count: UInt32(count), first: UInt32(truncatingIfNeeded: first), last: UInt32(truncatingIfNeeded: last),
                    gapsLength: UInt32(length), gapsOffset: range.lowerBound + gapsStart, firstGapLength: UInt8(reader.offset - gapsStart))
                reader.offset = gapsStart + length
                try body(value == 0 ? nil : values.map { $0[value - 1] } ?? value - 1, piece)
            }
        }
    }
}
