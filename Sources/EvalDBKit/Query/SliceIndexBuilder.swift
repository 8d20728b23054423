/// Adds examples' values to a slice index, as slice sees them (`SliceValues`): each label key,
/// and each top-level field but the unindexed ones, a label hiding a field of the same name.
struct SliceIndexBuilder {
    private var keyTable = ValueTable()
    private var keyNames: [String] = []
    private var keyIsIndexed: [Bool] = []
    private var valueTables: [ValueTable] = []
    private var postings: [[Postings]] = []
    private var valueless: [Postings] = []
    private var live: Postings
    private var tape = JSONTape()
    private var scratch: [UInt8] = []
    private var reduced: [UInt8] = []
    private var labelKeys: [Int] = []
    private var fields: [(key: Int, value: Int)] = []

    /// Starts from `index` (all its keys loaded), or from nothing.
    init(from index: SliceIndex? = nil) {
        live = index?.live ?? []
        for (name, key) in index?.keys ?? [:] {
            let number = keyNumber(name.string)
            for (value, examples) in zip(key.values, key.postings) {
                let valueNumber = valueTables[number].intern(value)
                if valueNumber == postings[number].count { postings[number].append([]) }
                postings[number][valueNumber] += examples
            }
            valueless[number] = key.valueless
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
            valueless.append([])
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

    /// The index of `version`: postings sorted, empty keys left out.
    func finish(version: Int) -> SliceIndex {
        var keys: [ExactString: KeyPostings] = [:]
        for number in keyNames.indices where keyIsIndexed[number] {
            let key = KeyPostings(
                values: (0..<valueTables[number].count).map { valueTables[number].string($0) },
                postings: postings[number].map(Self.sorted), valueless: Self.sorted(valueless[number]))
            if !key.isEmpty { keys[ExactString(keyNames[number])] = key }
        }
        return SliceIndex(version: version, live: Self.sorted(live), keys: keys, indexedKeys: Set(keys.keys))
    }

    private static func sorted(_ postings: Postings) -> Postings {
        zip(postings, postings.dropFirst()).allSatisfy { $0 < $1 } ? postings : postings.sorted()
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
            if valueless[key].last != example { valueless[key].append(example) }
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
        if number == postings[key].count { postings[key].append([]) }
        if postings[key][number].last != example { postings[key][number].append(example) }
    }
}
