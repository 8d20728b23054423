/// Adds examples' values to a slice index, as slice sees them (`SliceValues`): each label key,
/// and each top-level field but the unindexed ones, a label hiding a field of the same name.
struct SliceIndexBuilder {
    private var keyTable = ValueTable()
    private var keyNames: [String] = []
    private var keyIsIndexed: [Bool] = []
    private var valueTables: [ValueTable] = []
    private var postings: [[PostingsBuffer]] = []
    private var valueless: [PostingsBuffer] = []
    private var live = PostingsBuffer()
    private var tape = JSONTape()
    private var scratch: [UInt8] = []
    private var reduced: [UInt8] = []
    private var labelKeys: [Int] = []
    private var fields: [(key: Int, value: Int)] = []

    /// Adds what `other` holds: examples whose keys are all greater than those added here (the
    /// upper half of the examples, built on another thread). Each of its postings is let go of
    /// once appended, so that the two halves are not held twice.
    mutating func append(_ other: consuming SliceIndexBuilder) {
        var other = other
        live.append(contentsOf: other.live)
        other.live = PostingsBuffer()
        for theirs in other.keyNames.indices {
            let number = keyNumber(other.keyNames[theirs])
            valueless[number].append(contentsOf: other.valueless[theirs])
            other.valueless[theirs] = PostingsBuffer()
            for value in other.postings[theirs].indices {
                let valueNumber = valueTables[number].intern(other.valueTables[theirs].string(value))
                if valueNumber == postings[number].count { postings[number].append(PostingsBuffer()) }
                postings[number][valueNumber].append(contentsOf: other.postings[theirs][value])
                other.postings[theirs][value] = PostingsBuffer()
            }
        }
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
            valueTables.append(ValueTable())
            postings.append([])
            valueless.append(PostingsBuffer())
        }
        return number
    }

    /// Adds the live example `example` with its canonical record, reading only the members the
    /// index holds: the long ones (`input`, `context`, ...) are skipped byte by byte, not parsed.
    mutating func add(_ example: UInt32, canonicalRecord record: UnsafeBufferPointer<UInt8>) {
        var reduced: [UInt8] = []
        swap(&reduced, &self.reduced)
        defer { swap(&reduced, &self.reduced) }
        if CanonicalMembers.indexed(of: record, into: &reduced) {
            reduced.withUnsafeBufferPointer { add(example, record: $0) }
        } else {
            add(example, record: record)
        }
    }

    /// Adds the live example `example` with its record.
    mutating func add(_ example: UInt32, record: UnsafeBufferPointer<UInt8>) {
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
                        if keyIsIndexed[number] { addValues(number, labelValue, example, tape, bytes) }
                        member = tape.next(after: labelValue)
                    }
                } else {
                    fields.append((key, value))
                }
            }
            for (key, value) in fields {
                let number = keyNumber(bytes(key))
                if keyIsIndexed[number] && !labelKeys.contains(number) { addValues(number, value, example, tape, bytes) }
            }
        }
    }

    /// The index of `version`, each key in its stored form (`SliceIndexCoding`), empty keys left
    /// out. Each key's postings are let go of once encoded: the index is not held twice.
    consuming func finish(version: Int) -> EncodedSliceIndex {
        var keys: [(name: ExactString, data: [UInt8])] = []
        for number in keyNames.indices where keyIsIndexed[number] {
            defer {
                postings[number] = []
                valueless[number] = PostingsBuffer()
            }
            guard !valueless[number].isEmpty || postings[number].contains(where: { !$0.isEmpty }) else { continue }
            var data: [UInt8] = []
            data.reserveCapacity(postings[number].reduce(16) { $0 + $1.encodedSize + 16 })
            SliceIndexCoding.append(postings[number].count, to: &data)
            for (value, examples) in postings[number].enumerated() {
                let text = valueTables[number].string(value)
                SliceIndexCoding.append(text.utf8.count, to: &data)
                data.append(contentsOf: text.utf8)
                examples.encode(to: &data)
            }
            valueless[number].encode(to: &data)
            keys.append((ExactString(keyNames[number]), data))
        }
        return EncodedSliceIndex(version: version, live: live, keys: keys)
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
            valueless[key].append(example)
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
        if number == postings[key].count { postings[key].append(PostingsBuffer()) }
        postings[key][number].append(example)
    }
}

/// A slice index as built or brought up to date: each key in its stored form, to be saved as it
/// is and decoded only where a query reads it.
struct EncodedSliceIndex {
    var version: Int
    /// The live examples, in their stored form (about a byte an example, not four).
    var live: PostingsBuffer
    var keys: [(name: ExactString, data: [UInt8])]

    /// The index with the keys in `needed` decoded (nil: every key).
    func index(loading needed: Set<ExactString>?) throws -> SliceIndex {
        var index = SliceIndex(version: version, live: live.decoded(), keys: [:], indexedKeys: [])
        for (name, data) in keys {
            index.indexedKeys.insert(name)
            if needed?.contains(name) ?? true { index.keys[name] = try data.withUnsafeBytes { try SliceIndexCoding.decode($0) } }
        }
        return index
    }
}

/// One value's postings as they are stored (`SliceIndexCoding`: the count, then each key minus
/// the one before as a varint), about 1.3 bytes an example instead of 4, appended in ascending
/// order (the builds read the records in key order). An example added twice in a row counts once.
struct PostingsBuffer {
    private(set) var count = 0
    private var last: UInt32 = 0
    private var gaps: [UInt8] = []

    var isEmpty: Bool { count == 0 }
    var encodedSize: Int { gaps.count + 5 }

    mutating func append(_ key: UInt32) {
        if count > 0 && key <= last {
            precondition(key == last, "postings are appended in ascending key order")
            return
        }
        // Grown by an eighth, not doubled: a whole index of these is held while it is built, and
        // doubling leaves up to half of it unused.
        if gaps.count + 5 > gaps.capacity { gaps.reserveCapacity(gaps.count + max(64, gaps.count / 8)) }
        SliceIndexCoding.append(Int(key - (count > 0 ? last : 0)), to: &gaps)
        count += 1
        last = key
    }

    /// Appends `other`, whose keys are all greater than these.
    mutating func append(contentsOf other: PostingsBuffer) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        precondition(other.first > last)
        SliceIndexCoding.append(Int(other.first - last), to: &gaps)
        gaps.append(contentsOf: other.gaps[other.firstGapLength...])
        count += other.count
        last = other.last
    }

    /// The stored form: the count and the gaps.
    func encode(to output: inout [UInt8]) {
        SliceIndexCoding.append(count, to: &output)
        output.append(contentsOf: gaps)
    }

    /// The keys, decoded.
    func decoded() -> Postings {
        var result = Postings()
        result.reserveCapacity(count)
        var key: UInt32 = 0, delta: UInt32 = 0, shift: UInt32 = 0
        for byte in gaps {
            delta |= UInt32(byte & 0x7F) << shift
            if byte < 0x80 {
                key &+= delta
                result.append(key)
                delta = 0
                shift = 0
            } else {
                shift += 7
            }
        }
        return result
    }

    private var firstGapLength: Int { (gaps.firstIndex { $0 < 0x80 } ?? (gaps.count - 1)) + 1 }

    private var first: UInt32 {
        var key = 0, shift = 0
        for byte in gaps[..<firstGapLength] {
            key |= Int(byte & 0x7F) << shift
            shift += 7
        }
        return UInt32(truncatingIfNeeded: key)
    }
}
